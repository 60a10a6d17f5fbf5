package dev.ballast.exporter.collector.inference;

import dev.ballast.exporter.collector.http.TargetHttpClient;
import dev.ballast.exporter.metrics.Sample;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.ballast.exporter.collector.inference.InferenceVocabulary.*;

/**
 * Hugging Face TGI's {@code /metrics} (docs/source/reference/metrics.md): names carry no unit suffix
 * though durations are seconds, and there is no model label (one model per server: the target's
 * {@code model}). Running ≈ current batch size, waiting = queue size; TGI documents no TTFT histogram,
 * so none is invented.
 */
@Singleton
public class TgiCollector extends ScrapedServerCollector {

    TgiCollector(TargetHttpClient http, InferenceConfig config) {
        super(http, config.tgi());
    }

    @Override
    public String name() {
        return "tgi";
    }

    @Override
    List<Sample> normalise(PrometheusText text, ScrapedServerTarget target) {
        String server = target.name();
        String model = target.model();
        List<Sample> out = new ArrayList<>();
        gauge(text, "tgi_batch_current_size", null, model, SUM, 1, RUNNING, server, out);
        gauge(text, "tgi_queue_size", null, model, SUM, 1, WAITING, server, out);
        histogram(text, "tgi_request_mean_time_per_token_duration", null, model, 1, TPOT, server, out);
        histogram(text, "tgi_request_duration", null, model, 1, REQUEST_DURATION, server, out);
        byModel(text, "tgi_request_input_length_sum", null, model, SUM)
                .forEach((m, v) -> out.add(TOKENS.sample(v, server, m, "input")));
        byModel(text, "tgi_request_generated_tokens_sum", null, model, SUM)
                .forEach((m, v) -> out.add(TOKENS.sample(v, server, m, "output")));
        Map<String, Double> requests = byModel(text, text.has("tgi_request_count_total") ? "tgi_request_count_total" : "tgi_request_count",
                null, model, SUM);
        Map<String, Double> succeeded = byModel(text, text.has("tgi_request_success_total") ? "tgi_request_success_total" : "tgi_request_success",
                null, model, SUM);
        requests.forEach((m, total) -> {
            out.add(REQUESTS.sample(total, server, m));
            if (succeeded.containsKey(m)) {
                out.add(FAILED.sample(Math.max(0, total - succeeded.get(m)), server, m));
            }
        });
        return out;
    }
}
