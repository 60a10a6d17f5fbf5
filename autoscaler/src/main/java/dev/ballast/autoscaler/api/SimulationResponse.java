package dev.ballast.autoscaler.api;

import dev.ballast.autoscaler.engine.Condition;
import dev.ballast.autoscaler.engine.Decision;
import dev.ballast.autoscaler.engine.MetricStatus;
import dev.ballast.autoscaler.engine.ScalingHistory;

import java.time.Duration;
import java.time.Instant;

import java.util.List;

/**
 * The what-if answer: the fixed contract (currentReplicas, desiredReplicas, metrics, conditions) plus the reason, the
 * forecast and the history the engine would store (ages in seconds, as in the request).
 */
public record SimulationResponse(int currentReplicas, int desiredReplicas, List<MetricStatus> metrics,
                                 List<Condition> conditions, String reason, Decision.Forecast forecast,
                                 StoredHistory history) {

    /** The recommendations and scale events after this decision, aged relative to its time. */
    public record StoredHistory(List<Aged> recommendations, List<Aged> scaleUpEvents, List<Aged> scaleDownEvents) {
    }

    /** {@code value} is replicas for a recommendation, replicaChange for an event. */
    public record Aged(int value, long secondsAgo) {
    }

    static SimulationResponse of(Decision d) {
        Instant now = d.timestamp();
        ScalingHistory h = d.history();
        StoredHistory stored = new StoredHistory(
                h.recommendations().stream().map(r -> new Aged(r.replicas(), Duration.between(r.timestamp(), now).getSeconds())).toList(),
                h.scaleUpEvents().stream().map(e -> new Aged(e.replicaChange(), Duration.between(e.timestamp(), now).getSeconds())).toList(),
                h.scaleDownEvents().stream().map(e -> new Aged(e.replicaChange(), Duration.between(e.timestamp(), now).getSeconds())).toList());
        return new SimulationResponse(d.currentReplicas(), d.desiredReplicas(), d.metrics(), d.conditions(), d.reason(),
                d.forecast(), stored);
    }
}
