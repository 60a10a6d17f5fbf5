package dev.ballast.exporter.collector.inference;

import dev.ballast.exporter.metrics.HistogramData;
import dev.ballast.exporter.metrics.MetricFamily;
import dev.ballast.exporter.metrics.Sample;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.DoubleBinaryOperator;

/**
 * The one vocabulary vLLM, TGI and Triton are normalised into: OpenTelemetry GenAI server metrics
 * where a convention exists (translated to Prometheus names), {@code ballast_inference_*} otherwise;
 * base units (seconds, ratios) always. Also the helpers that fold a scraped family into it, summing
 * over labels the vocabulary drops (vLLM {@code engine}, {@code finished_reason}; Triton {@code version}).
 */
public final class InferenceVocabulary {

    static final String SERVER = "inference_server";
    static final String MODEL = "gen_ai_request_model";

    public static final MetricFamily RUNNING = MetricFamily.gauge("ballast_inference_requests_running",
            "Requests being executed by the inference server now (vLLM num_requests_running, TGI batch size).", SERVER, MODEL);
    public static final MetricFamily WAITING = MetricFamily.gauge("ballast_inference_requests_waiting",
            "Requests queued in the inference server (vLLM num_requests_waiting, TGI queue size, Triton pending requests).",
            SERVER, MODEL);
    public static final MetricFamily KV_CACHE = MetricFamily.gauge("ballast_inference_kv_cache_usage_ratio",
            "KV-cache usage, 0 to 1 (vLLM kv_cache_usage_perc, formerly gpu_cache_usage_perc); the fullest engine.", SERVER, MODEL);
    public static final MetricFamily TTFT = MetricFamily.histogram("gen_ai_server_time_to_first_token_seconds",
            "Time to first token measured by the server (OpenTelemetry gen_ai.server.time_to_first_token; Triton: first response).",
            SERVER, MODEL);
    public static final MetricFamily TPOT = MetricFamily.histogram("gen_ai_server_time_per_output_token_seconds",
            "Time per output token after the first (OpenTelemetry gen_ai.server.time_per_output_token; vLLM inter-token latency).",
            SERVER, MODEL);
    public static final MetricFamily REQUEST_DURATION = MetricFamily.histogram("gen_ai_server_request_duration_seconds",
            "End-to-end request duration measured by the server (OpenTelemetry gen_ai.server.request.duration).", SERVER, MODEL);
    public static final MetricFamily TOKENS = MetricFamily.counter("ballast_inference_tokens_total",
            "Tokens processed by the inference server, by type (input = prompt, output = generated).", SERVER, MODEL, "gen_ai_token_type");
    public static final MetricFamily REQUESTS = MetricFamily.counter("ballast_inference_server_requests_total",
            "Requests the inference server finished, successful or not.", SERVER, MODEL);
    public static final MetricFamily FAILED = MetricFamily.counter("ballast_inference_server_requests_failed_total",
            "Requests the inference server finished with a failure.", SERVER, MODEL);
    public static final MetricFamily DURATION_TOTAL = MetricFamily.counter("ballast_inference_request_duration_seconds_total",
            "Total time spent on requests (Triton's cumulative counter, µs converted to seconds); divide by requests for the mean.",
            SERVER, MODEL);
    public static final MetricFamily QUEUE_DURATION_TOTAL = MetricFamily.counter("ballast_inference_queue_duration_seconds_total",
            "Total time requests waited in the server's queue (Triton, µs converted to seconds).", SERVER, MODEL);

    static final DoubleBinaryOperator SUM = Double::sum;
    static final DoubleBinaryOperator MAX = Math::max;

    private InferenceVocabulary() {
    }

    /** Values of a scraped family grouped by model, combined over the labels we drop. */
    static Map<String, Double> byModel(PrometheusText text, String name, String modelLabel, String fallbackModel,
                                       DoubleBinaryOperator combine) {
        Map<String, Double> out = new TreeMap<>();
        for (PrometheusText.Line line : text.named(name)) {
            if (Double.isNaN(line.value())) {
                continue;
            }
            out.merge(model(line, modelLabel, fallbackModel), line.value(), combine::applyAsDouble);
        }
        return out;
    }

    private static String model(PrometheusText.Line line, String modelLabel, String fallbackModel) {
        String model = modelLabel == null ? "" : line.label(modelLabel);
        return model.isEmpty() ? fallbackModel : model;
    }

    static void gauge(PrometheusText text, String name, String modelLabel, String fallback, DoubleBinaryOperator combine,
                      double scale, MetricFamily family, String server, List<Sample> out) {
        byModel(text, name, modelLabel, fallback, combine).forEach((model, value) -> out.add(family.sample(value * scale, server, model)));
    }

    /** A counter, accepting the name with or without {@code _total} (Rust and C++ exporters often omit it). */
    static void counter(PrometheusText text, String name, String modelLabel, String fallback, double scale,
                        MetricFamily family, String server, List<Sample> out, String... extraLabelValues) {
        String present = text.has(name + "_total") ? name + "_total" : name;
        byModel(text, present, modelLabel, fallback, SUM).forEach((model, value) -> {
            List<String> labels = new ArrayList<>(List.of(server, model));
            labels.addAll(List.of(extraLabelValues));
            out.add(family.sample(value * scale, labels.toArray(String[]::new)));
        });
    }

    /** A histogram re-exported by model; {@code scale} converts units (ms → s) of bounds and sum. */
    static void histogram(PrometheusText text, String base, String modelLabel, String fallback, double scale,
                          MetricFamily family, String server, List<Sample> out) {
        Map<String, TreeMap<Double, Double>> buckets = new TreeMap<>();
        for (PrometheusText.Line line : text.named(base + "_bucket")) {
            String le = line.label("le");
            if (le.isEmpty()) {
                continue;
            }
            double bound = PrometheusText.parseValue(le);
            buckets.computeIfAbsent(model(line, modelLabel, fallback), m -> new TreeMap<>()).merge(bound, line.value(), Double::sum);
        }
        Map<String, Double> sums = byModel(text, base + "_sum", modelLabel, fallback, SUM);
        Map<String, Double> counts = byModel(text, base + "_count", modelLabel, fallback, SUM);
        buckets.forEach((model, byBound) -> {
            List<Double> bounds = byBound.keySet().stream().filter(Double::isFinite).toList();
            double[] upper = new double[bounds.size()];
            long[] cumulative = new long[bounds.size()];
            for (int i = 0; i < upper.length; i++) {
                upper[i] = bounds.get(i) * scale;
                cumulative[i] = Math.round(byBound.get(bounds.get(i)));
            }
            long count = Math.round(counts.getOrDefault(model, byBound.getOrDefault(Double.POSITIVE_INFINITY, 0.0)));
            out.add(family.histogram(new HistogramData(upper, cumulative, count, sums.getOrDefault(model, 0.0) * scale), server, model));
        });
    }
}
