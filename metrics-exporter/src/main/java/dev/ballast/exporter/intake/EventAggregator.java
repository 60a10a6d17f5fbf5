package dev.ballast.exporter.intake;

import dev.ballast.exporter.metrics.LabelLimiter;
import dev.ballast.exporter.metrics.LiveHistogram;
import dev.ballast.exporter.metrics.MetricFamily;
import dev.ballast.exporter.metrics.Sample;
import dev.ballast.exporter.metrics.SampleSource;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Aggregates pushed events in-process into counters and histograms, like statsd_exporter (not a
 * Pushgateway: no event is stored). Counters never expire, because expiring them would restart them
 * and break {@code rate()}. Label values pass through the {@link LabelLimiter} first.
 */
public final class EventAggregator implements SampleSource {

    /** Inference duration buckets the original design asked for. */
    static final double[] DURATION_BUCKETS = {0.1, 0.5, 1, 2, 5, 10, 30, 60};
    /** OpenTelemetry GenAI advice for gen_ai.server.time_to_first_token. */
    static final double[] TTFT_BUCKETS = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0};
    /** OpenTelemetry GenAI advice for gen_ai.client.token.usage. */
    static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
    static final double[] LOAD_BUCKETS = {0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300};
    static final double[] VECTOR_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

    static final String[] GENAI = {"gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model"};

    static final MetricFamily REQUESTS = MetricFamily.counter("ballast_inference_requests_total",
            "Inference requests reported by applications, by operation, provider and model.", GENAI);
    static final MetricFamily FAILED = MetricFamily.counter("ballast_inference_requests_failed_total",
            "Inference requests that failed, by operation, provider, model and error type.",
            "gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model", "error_type");
    static final MetricFamily DURATION = MetricFamily.histogram("gen_ai_client_operation_duration_seconds",
            "Duration of inference operations as seen by the application (OpenTelemetry gen_ai.client.operation.duration).", GENAI);
    static final MetricFamily TTFT = MetricFamily.histogram("ballast_inference_time_to_first_token_seconds",
            "Time to the first output token as seen by the application.", GENAI);
    static final MetricFamily TOKENS = MetricFamily.histogram("gen_ai_client_token_usage",
            "Tokens per inference operation by token type (OpenTelemetry gen_ai.client.token.usage); _sum is the token total.",
            "gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model", "gen_ai_token_type");
    static final MetricFamily LOAD = MetricFamily.histogram("ballast_inference_model_load_duration_seconds",
            "Time spent loading the model before serving a request, when the application reports it.",
            "gen_ai_provider_name", "gen_ai_request_model");
    static final MetricFamily AGENT_TASKS = MetricFamily.counter("ballast_agent_tasks_completed_total",
            "Agent tasks that finished (succeeded or failed); rate() is the completion rate.", "agent", "task_type");
    static final MetricFamily AGENT_FAILED = MetricFamily.counter("ballast_agent_tasks_failed_total",
            "Agent tasks that finished with a failure.", "agent", "task_type");
    static final MetricFamily AGENT_DURATION = MetricFamily.histogram("ballast_agent_task_duration_seconds",
            "Duration of finished agent tasks.", "agent", "task_type");
    static final MetricFamily AGENT_ACTIVE = MetricFamily.gauge("ballast_agent_tasks_active",
            "Agent tasks started and not finished yet (from started/succeeded/failed events).", "agent", "task_type");
    static final MetricFamily AGENT_QUEUED = MetricFamily.gauge("ballast_agent_tasks_queued",
            "Agent tasks queued and not started yet (from queued/started events).", "agent", "task_type");
    static final MetricFamily VECTOR_DURATION = MetricFamily.histogram("ballast_vector_search_duration_seconds",
            "Vector search latency reported by applications.", "collection");
    static final MetricFamily VECTOR_RESULTS = MetricFamily.counter("ballast_vector_search_results_total",
            "Results returned by vector searches; divide by the search count for the mean.", "collection");

    private final LabelLimiter limiter;
    private final Map<MetricFamily, Map<List<String>, LongAdder>> counters = new ConcurrentHashMap<>();
    private final Map<MetricFamily, Map<List<String>, LiveHistogram>> histograms = new ConcurrentHashMap<>();
    private final Map<MetricFamily, Map<List<String>, AtomicLong>> gauges = new ConcurrentHashMap<>();

    public EventAggregator(LabelLimiter limiter) {
        this.limiter = limiter;
    }

    public void record(List<Event> events) {
        for (Event event : events) {
            if (event instanceof Event.Inference e) {
                inference(e);
            } else if (event instanceof Event.AgentTask e) {
                agentTask(e);
            } else if (event instanceof Event.VectorSearch e) {
                vectorSearch(e);
            }
        }
    }

    private void inference(Event.Inference e) {
        List<String> labels = labels(REQUESTS, e.operation(), e.provider(), e.model());
        counter(REQUESTS, labels).increment();
        if (e.failed()) {
            counter(FAILED, labels(FAILED, e.operation(), e.provider(), e.model(), e.errorType())).increment();
        }
        histogram(DURATION, labels, DURATION_BUCKETS).observe(e.durationSeconds());
        if (e.timeToFirstTokenSeconds() != null) {
            histogram(TTFT, labels, TTFT_BUCKETS).observe(e.timeToFirstTokenSeconds());
        }
        if (e.inputTokens() != null) {
            histogram(TOKENS, append(labels, "input"), TOKEN_BUCKETS).observe(e.inputTokens());
        }
        if (e.outputTokens() != null) {
            histogram(TOKENS, append(labels, "output"), TOKEN_BUCKETS).observe(e.outputTokens());
        }
        if (e.loadDurationSeconds() != null) {
            histogram(LOAD, List.of(labels.get(1), labels.get(2)), LOAD_BUCKETS).observe(e.loadDurationSeconds());
        }
    }

    private void agentTask(Event.AgentTask e) {
        List<String> labels = labels(AGENT_TASKS, e.agent(), e.taskType());
        switch (e.status()) {
            case QUEUED -> gauge(AGENT_QUEUED, labels).incrementAndGet();
            case STARTED -> {
                decrementToZero(gauge(AGENT_QUEUED, labels));
                gauge(AGENT_ACTIVE, labels).incrementAndGet();
            }
            case SUCCEEDED, FAILED -> {
                decrementToZero(gauge(AGENT_ACTIVE, labels));
                counter(AGENT_TASKS, labels).increment();
                if (e.status() == Event.AgentStatus.FAILED) {
                    counter(AGENT_FAILED, labels).increment();
                }
                histogram(AGENT_DURATION, labels, DURATION_BUCKETS).observe(e.durationSeconds());
            }
        }
    }

    private void vectorSearch(Event.VectorSearch e) {
        List<String> labels = labels(VECTOR_DURATION, e.collection());
        histogram(VECTOR_DURATION, labels, VECTOR_BUCKETS).observe(e.durationSeconds());
        counter(VECTOR_RESULTS, labels).add(e.results());
    }

    private List<String> labels(MetricFamily family, String... values) {
        return limiter.admitAll(family, List.of(values));
    }

    private static List<String> append(List<String> labels, String value) {
        String[] out = labels.toArray(new String[labels.size() + 1]);
        out[labels.size()] = value;
        return List.of(out);
    }

    private static void decrementToZero(AtomicLong gauge) {
        gauge.getAndUpdate(v -> v > 0 ? v - 1 : 0); // a lost "queued" or "started" event must not drive it negative
    }

    private LongAdder counter(MetricFamily family, List<String> labels) {
        return counters.computeIfAbsent(family, f -> new ConcurrentHashMap<>()).computeIfAbsent(labels, l -> new LongAdder());
    }

    private LiveHistogram histogram(MetricFamily family, List<String> labels, double[] bounds) {
        return histograms.computeIfAbsent(family, f -> new ConcurrentHashMap<>()).computeIfAbsent(labels, l -> new LiveHistogram(bounds));
    }

    private AtomicLong gauge(MetricFamily family, List<String> labels) {
        return gauges.computeIfAbsent(family, f -> new ConcurrentHashMap<>()).computeIfAbsent(labels, l -> new AtomicLong());
    }

    @Override
    public void forEachSample(Consumer<Sample> sink) {
        counters.forEach((family, series) -> series.forEach((labels, value) ->
                sink.accept(new Sample(family, labels, value.sum(), null))));
        histograms.forEach((family, series) -> series.forEach((labels, value) ->
                sink.accept(family.histogram(value.snapshot(), labels.toArray(String[]::new)))));
        gauges.forEach((family, series) -> series.forEach((labels, value) ->
                sink.accept(new Sample(family, labels, value.get(), null))));
    }
}
