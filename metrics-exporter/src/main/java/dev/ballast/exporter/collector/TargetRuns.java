package dev.ballast.exporter.collector;

import dev.ballast.exporter.metrics.MetricFamily;
import dev.ballast.exporter.metrics.Sample;
import dev.ballast.exporter.metrics.SampleSource;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Every target's run, and what they contribute to a scrape: the fresh samples of each target plus the
 * exporter's self metrics per collector and target (up, last success, duration, errors by reason).
 */
public final class TargetRuns implements SampleSource {

    static final MetricFamily UP = MetricFamily.gauge("ballast_exporter_collector_up",
            "1 when the last collection of this target succeeded, else 0.", "collector", "target");
    static final MetricFamily LAST_SUCCESS = MetricFamily.gauge("ballast_exporter_collector_last_success_timestamp_seconds",
            "Unix time of the last successful collection of this target; its series are served from that collection.",
            "collector", "target");
    static final MetricFamily DURATION = MetricFamily.gauge("ballast_exporter_collector_duration_seconds",
            "How long the last collection of this target took.", "collector", "target");
    static final MetricFamily ERRORS = MetricFamily.counter("ballast_exporter_collector_errors_total",
            "Failed collections of this target by reason (timeout, connection, http_status, parse, unavailable, other).",
            "collector", "target", "reason");

    private final List<TargetRun<?>> runs = new CopyOnWriteArrayList<>();
    private final Clock clock;

    public TargetRuns(Clock clock) {
        this.clock = clock;
    }

    public void add(TargetRun<?> run) {
        runs.add(run);
    }

    public List<TargetRun<?>> all() {
        return List.copyOf(runs);
    }

    @Override
    public void forEachSample(Consumer<Sample> sink) {
        Instant now = clock.instant();
        for (TargetRun<?> run : runs) {
            String collector = run.collectorName();
            String target = run.target().name();
            TargetRun.State state = run.state();
            sink.accept(UP.sample(state.up() ? 1 : 0, collector, target));
            if (state.lastSuccess() != null) {
                sink.accept(LAST_SUCCESS.sample(state.lastSuccess().toEpochMilli() / 1000.0, collector, target));
            }
            sink.accept(DURATION.sample(state.lastDuration().toNanos() / 1e9, collector, target));
            run.errorCounts().forEach((reason, count) -> sink.accept(ERRORS.sample(count, collector, target, reason.label())));
            run.forEachFreshSample(now, sink);
        }
    }
}
