package dev.ballast.exporter.collector;

import dev.ballast.exporter.metrics.LabelLimiter;
import dev.ballast.exporter.metrics.Sample;
import io.smallrye.mutiny.Uni;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The background life of one target: run a collection under its timeout, keep the samples of the last
 * success, and know when they have gone stale. Series of a target that stopped answering disappear
 * once {@code staleAfterIntervals} intervals have passed since its last success: never frozen values.
 */
public final class TargetRun<T extends CollectionTarget> {

    private static final Logger LOG = Logger.getLogger(TargetRun.class);

    /** What the last attempt left behind. */
    public record State(boolean up, Instant lastSuccess, Duration lastDuration, List<Sample> samples, String lastError) {
    }

    private static final State NOT_COLLECTED_YET = new State(false, null, Duration.ZERO, List.of(), "not collected yet");

    private final Collector<T> collector;
    private final T target;
    private final Clock clock;
    private final LabelLimiter limiter;
    private final int staleAfterIntervals;
    private final Map<CollectionException.Reason, LongAdder> errors = new ConcurrentHashMap<>();
    private volatile State state = NOT_COLLECTED_YET;

    public TargetRun(Collector<T> collector, T target, Clock clock, LabelLimiter limiter, int staleAfterIntervals) {
        if (staleAfterIntervals < 1) {
            throw new IllegalArgumentException("stale-after-intervals must be at least 1, got " + staleAfterIntervals);
        }
        this.collector = collector;
        this.target = target;
        this.clock = clock;
        this.limiter = limiter;
        this.staleAfterIntervals = staleAfterIntervals;
    }

    public String collectorName() {
        return collector.name();
    }

    public T target() {
        return target;
    }

    public State state() {
        return state;
    }

    /** Errors so far by reason. */
    public Map<CollectionException.Reason, Long> errorCounts() {
        Map<CollectionException.Reason, Long> out = new java.util.EnumMap<>(CollectionException.Reason.class);
        errors.forEach((reason, count) -> out.put(reason, count.sum()));
        return out;
    }

    /** One collection; never fails: the outcome lands in {@link #state()}. */
    public Uni<Void> runOnce() {
        Instant started = clock.instant();
        long startNanos = System.nanoTime();
        Uni<List<Sample>> collection;
        try {
            collection = collector.collect(target);
        } catch (RuntimeException e) {
            collection = Uni.createFrom().failure(e);
        }
        return collection
                .ifNoItem().after(target.timeout()).failWith(() -> new CollectionException(CollectionException.Reason.TIMEOUT,
                        "no answer within " + target.timeout().toMillis() + " ms"))
                .onItem().invoke(samples -> succeeded(samples, Duration.ofNanos(System.nanoTime() - startNanos)))
                .onFailure().invoke(failure -> failed(failure, started, Duration.ofNanos(System.nanoTime() - startNanos)))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    private void succeeded(List<Sample> samples, Duration took) {
        List<Sample> admitted = samples.stream().map(limiter::admit).toList();
        State previous = state;
        state = new State(true, clock.instant(), took, admitted, null);
        if (!previous.up()) {
            LOG.infof("%s/%s: collecting (%d series, %d ms)", collector.name(), target.name(), admitted.size(), took.toMillis());
        }
    }

    private void failed(Throwable failure, Instant started, Duration took) {
        CollectionException.Reason reason = CollectionException.reasonOf(failure);
        errors.computeIfAbsent(reason, r -> new LongAdder()).increment();
        State previous = state;
        String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        state = new State(false, previous.lastSuccess(), took, previous.samples(), reason.label() + ": " + message);
        if (previous.up() || previous == NOT_COLLECTED_YET) { // one line per change of state, not per failed attempt
            if (previous.lastSuccess() == null) {
                LOG.warnf("%s/%s: collection failed (%s: %s); no data until it succeeds", collector.name(), target.name(),
                        reason.label(), message);
            } else {
                LOG.warnf("%s/%s: collection failed (%s: %s); keeping the last good data for %d intervals of %s",
                        collector.name(), target.name(), reason.label(), message, staleAfterIntervals, target.interval());
            }
        }
    }

    /** True when the last success is recent enough to serve its samples. */
    public boolean fresh(Instant now) {
        Instant last = state.lastSuccess();
        return last != null && Duration.between(last, now).compareTo(target.interval().multipliedBy(staleAfterIntervals)) < 0;
    }

    /** The last successful samples, or nothing once they are stale. */
    public void forEachFreshSample(Instant now, Consumer<Sample> sink) {
        if (fresh(now)) {
            state.samples().forEach(sink);
        }
    }
}
