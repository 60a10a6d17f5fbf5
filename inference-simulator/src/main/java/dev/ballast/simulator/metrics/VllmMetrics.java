package dev.ballast.simulator.metrics;

import dev.ballast.simulator.generation.GenerationTimes;
import dev.ballast.simulator.generation.SlotScheduler;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The vLLM V1 metrics this simulator serves on {@code GET /metrics}: same names, HELP texts, label names
 * ({@code model_name}, {@code engine}) and histogram buckets as vLLM's PrometheusStatLogger
 * (vllm/v1/metrics/loggers.py), so exporters and autoscalers can be tested against it.
 */
public final class VllmMetrics {

    /** vLLM's time-to-first-token buckets, in seconds. */
    static final double[] TTFT_BUCKETS = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0,
            2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
    /** vLLM's request_latency_buckets, shared by its e2e/queue/prefill/decode histograms. */
    static final double[] REQUEST_LATENCY_BUCKETS = {0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0,
            40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};
    /** vLLM's inter-token latency buckets, in seconds. */
    static final double[] INTER_TOKEN_BUCKETS = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0,
            2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0};
    private static final String[] FINISHED_REASONS = {"stop", "length", "abort"};

    private final String labels;
    private final SlotScheduler scheduler;
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong generationTokens = new AtomicLong();
    private final Map<String, AtomicLong> successes = new ConcurrentHashMap<>();
    private final Histogram timeToFirstToken = new Histogram(TTFT_BUCKETS);
    private final Histogram interTokenLatency = new Histogram(INTER_TOKEN_BUCKETS);
    private final Histogram e2eLatency = new Histogram(REQUEST_LATENCY_BUCKETS);
    private final Histogram queueTime = new Histogram(REQUEST_LATENCY_BUCKETS);

    public VllmMetrics(String modelName, SlotScheduler scheduler) {
        this.labels = "model_name=\"" + escape(modelName) + "\",engine=\"0\"";
        this.scheduler = scheduler;
        for (String reason : FINISHED_REASONS) {
            successes.put(reason, new AtomicLong());
        }
    }

    /** Prefill done: the prompt counts as processed and the first token's latency is known. */
    public void firstToken(int prompt, GenerationTimes times) {
        promptTokens.addAndGet(prompt);
        timeToFirstToken.observe(times.timeToFirstTokenNanos() / 1e9);
        queueTime.observe(times.queueNanos() / 1e9);
    }

    /** One more token; {@code gapNanos} is the time since the request's previous token, or negative for its first. */
    public void generatedToken(long gapNanos) {
        generationTokens.incrementAndGet();
        if (gapNanos >= 0) {
            interTokenLatency.observe(gapNanos / 1e9);
        }
    }

    /** A request left the engine: {@code stop}, {@code length} or {@code abort}. */
    public void finished(String reason, GenerationTimes times) {
        successes.get(reason).incrementAndGet();
        if (times != null) {
            e2eLatency.observe(times.totalNanos() / 1e9);
        }
    }

    public long promptTokens() {
        return promptTokens.get();
    }

    public long generationTokens() {
        return generationTokens.get();
    }

    /** Prometheus text exposition format 0.0.4. */
    public String render() {
        StringBuilder out = new StringBuilder(4096);
        header(out, "vllm:num_requests_running", "gauge", "Number of requests in model execution batches.");
        Histogram.sample(out, "vllm:num_requests_running", labels, scheduler.running());
        header(out, "vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.");
        Histogram.sample(out, "vllm:num_requests_waiting", labels, scheduler.queued());
        header(out, "vllm:kv_cache_usage_perc", "gauge", "KV-cache usage. 1 means 100 percent usage.");
        out.append("vllm:kv_cache_usage_perc{").append(labels).append("} ").append(scheduler.usage()).append('\n');
        header(out, "vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed.");
        Histogram.sample(out, "vllm:prompt_tokens_total", labels, promptTokens.get());
        header(out, "vllm:generation_tokens_total", "counter", "Number of generation tokens processed.");
        Histogram.sample(out, "vllm:generation_tokens_total", labels, generationTokens.get());
        header(out, "vllm:request_success_total", "counter", "Count of successfully processed requests.");
        for (String reason : FINISHED_REASONS) {
            Histogram.sample(out, "vllm:request_success_total", labels + ",finished_reason=\"" + reason + "\"",
                    successes.get(reason).get());
        }
        header(out, "vllm:time_to_first_token_seconds", "histogram", "Histogram of time to first token in seconds.");
        timeToFirstToken.render(out, "vllm:time_to_first_token_seconds", labels);
        header(out, "vllm:inter_token_latency_seconds", "histogram", "Histogram of inter-token latency in seconds.");
        interTokenLatency.render(out, "vllm:inter_token_latency_seconds", labels);
        header(out, "vllm:e2e_request_latency_seconds", "histogram", "Histogram of e2e request latency in seconds.");
        e2eLatency.render(out, "vllm:e2e_request_latency_seconds", labels);
        header(out, "vllm:request_queue_time_seconds", "histogram",
                "Histogram of time spent in WAITING phase for request.");
        queueTime.render(out, "vllm:request_queue_time_seconds", labels);
        return out.toString();
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String escape(String labelValue) {
        return labelValue.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
