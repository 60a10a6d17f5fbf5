package dev.ballast.autoscaler.engine;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything the decision depends on from earlier cycles. The HPA keeps this in controller memory; Ballast gets it
 * back from each {@link Decision} and persists it (Redis) so windows and cooldowns survive restarts and failover.
 *
 * @param recommendations     unstabilized recommendations (horizontal.go recommendations)
 * @param scaleUpEvents       absolute replica changes of past scale-ups
 * @param scaleDownEvents     absolute replica changes of past scale-downs
 * @param lastActiveTime      last time an activation metric was above its threshold (KEDA lastActiveTime)
 * @param consecutiveFailures cycles in a row with at least one failed metric (fallback counter)
 * @param burstUntil          while burst protection holds: end of the hold (extended each cycle still bursting)
 * @param series              per-metric history of values for forecasting, by metric name
 * @param firstSeen           when the engine first saw the policy (for the initial activation cooldown)
 */
public record ScalingHistory(
        List<Recommendation> recommendations,
        List<ScaleEvent> scaleUpEvents,
        List<ScaleEvent> scaleDownEvents,
        Instant lastActiveTime,
        int consecutiveFailures,
        Instant burstUntil,
        Map<String, MetricSeries> series,
        Instant firstSeen) {

    public static final ScalingHistory EMPTY = new ScalingHistory(List.of(), List.of(), List.of(), null, 0, null, Map.of(), null);

    public ScalingHistory {
        recommendations = recommendations == null ? List.of() : List.copyOf(recommendations);
        scaleUpEvents = scaleUpEvents == null ? List.of() : List.copyOf(scaleUpEvents);
        scaleDownEvents = scaleDownEvents == null ? List.of() : List.copyOf(scaleDownEvents);
        series = series == null ? Map.of() : Map.copyOf(series);
    }

    /** horizontal.go timestampedRecommendation. */
    public record Recommendation(int replicas, Instant timestamp) {
    }

    /** horizontal.go timestampedScaleEvent (the outdated flag is implied by the timestamp). */
    public record ScaleEvent(int replicaChange, Instant timestamp) {
    }

    /**
     * Evenly spaced samples of one metric (milli-units as doubles), oldest first; the last sample was taken at
     * {@code lastSampleAt}.
     */
    public record MetricSeries(int stepSeconds, double[] values, Instant lastSampleAt) {
    }

    ScalingHistory withRecommendations(List<Recommendation> r) {
        return new ScalingHistory(r, scaleUpEvents, scaleDownEvents, lastActiveTime, consecutiveFailures, burstUntil, series, firstSeen);
    }

    ScalingHistory withEvents(List<ScaleEvent> up, List<ScaleEvent> down) {
        return new ScalingHistory(recommendations, up, down, lastActiveTime, consecutiveFailures, burstUntil, series, firstSeen);
    }

    ScalingHistory withActivity(Instant lastActive, int failures, Instant burst, Instant seen) {
        return new ScalingHistory(recommendations, scaleUpEvents, scaleDownEvents, lastActive, failures, burst, series, seen);
    }
}
