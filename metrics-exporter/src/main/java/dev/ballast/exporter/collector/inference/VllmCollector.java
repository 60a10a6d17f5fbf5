package dev.ballast.exporter.collector.inference;

import dev.ballast.exporter.collector.http.TargetHttpClient;
import dev.ballast.exporter.metrics.Sample;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.List;

import static dev.ballast.exporter.collector.inference.InferenceVocabulary.*;

/**
 * vLLM's {@code /metrics} (V1 engine, PrometheusStatLogger; labels {@code model_name}, {@code engine}).
 * Tolerates the renames: {@code kv_cache_usage_perc} (older {@code gpu_cache_usage_perc}, a 0–1 ratio
 * despite the name) and {@code inter_token_latency_seconds} (older {@code time_per_output_token_seconds});
 * the newer name wins when a transitional version exposes both.
 */
@Singleton
public class VllmCollector extends ScrapedServerCollector {

    VllmCollector(TargetHttpClient http, InferenceConfig config) {
        super(http, config.vllm());
    }

    @Override
    public String name() {
        return "vllm";
    }

    @Override
    List<Sample> normalise(PrometheusText text, ScrapedServerTarget target) {
        String server = target.name();
        String fallback = target.model();
        List<Sample> out = new ArrayList<>();
        gauge(text, "vllm:num_requests_running", "model_name", fallback, SUM, 1, RUNNING, server, out);
        gauge(text, "vllm:num_requests_waiting", "model_name", fallback, SUM, 1, WAITING, server, out);
        String kv = text.firstPresent("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc");
        if (kv != null) {
            gauge(text, kv, "model_name", fallback, MAX, 1, KV_CACHE, server, out);
        }
        histogram(text, "vllm:time_to_first_token_seconds", "model_name", fallback, 1, TTFT, server, out);
        String tpot = text.firstPresent("vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds");
        if (tpot != null) {
            histogram(text, tpot, "model_name", fallback, 1, TPOT, server, out);
        }
        histogram(text, "vllm:e2e_request_latency_seconds", "model_name", fallback, 1, REQUEST_DURATION, server, out);
        counter(text, "vllm:prompt_tokens", "model_name", fallback, 1, TOKENS, server, out, "input");
        counter(text, "vllm:generation_tokens", "model_name", fallback, 1, TOKENS, server, out, "output");
        counter(text, "vllm:request_success", "model_name", fallback, 1, REQUESTS, server, out);
        return out;
    }
}
