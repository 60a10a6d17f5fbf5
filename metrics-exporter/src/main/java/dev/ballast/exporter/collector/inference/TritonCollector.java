package dev.ballast.exporter.collector.inference;

import dev.ballast.exporter.collector.http.TargetHttpClient;
import dev.ballast.exporter.metrics.Sample;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.ballast.exporter.collector.inference.InferenceVocabulary.*;

/**
 * NVIDIA Triton's {@code /metrics} (docs/user_guide/metrics.md; labels {@code model}, {@code version}).
 * Latencies are cumulative microsecond counters, converted to seconds; the experimental
 * {@code nv_inference_first_response_histogram_ms} (decoupled models) becomes time to first token,
 * milliseconds converted to seconds. Requests are success + failure.
 */
@Singleton
public class TritonCollector extends ScrapedServerCollector {

    static final double MICROS = 1e-6;
    static final double MILLIS = 1e-3;

    TritonCollector(TargetHttpClient http, InferenceConfig config) {
        super(http, config.triton());
    }

    @Override
    public String name() {
        return "triton";
    }

    @Override
    List<Sample> normalise(PrometheusText text, ScrapedServerTarget target) {
        String server = target.name();
        String fallback = target.model();
        List<Sample> out = new ArrayList<>();
        gauge(text, "nv_inference_pending_request_count", "model", fallback, SUM, 1, WAITING, server, out);
        Map<String, Double> success = byModel(text, counterName(text, "nv_inference_request_success"), "model", fallback, SUM);
        Map<String, Double> failure = byModel(text, counterName(text, "nv_inference_request_failure"), "model", fallback, SUM);
        success.forEach((model, ok) -> {
            double failed = failure.getOrDefault(model, 0.0);
            out.add(REQUESTS.sample(ok + failed, server, model));
            out.add(FAILED.sample(failed, server, model));
        });
        counter(text, "nv_inference_request_duration_us", "model", fallback, MICROS, DURATION_TOTAL, server, out);
        counter(text, "nv_inference_queue_duration_us", "model", fallback, MICROS, QUEUE_DURATION_TOTAL, server, out);
        histogram(text, "nv_inference_first_response_histogram_ms", "model", fallback, MILLIS, TTFT, server, out);
        return out;
    }

    private static String counterName(PrometheusText text, String name) {
        return text.has(name + "_total") ? name + "_total" : name;
    }
}
