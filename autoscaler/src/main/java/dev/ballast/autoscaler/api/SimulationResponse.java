package dev.ballast.autoscaler.api;

import dev.ballast.autoscaler.engine.Condition;
import dev.ballast.autoscaler.engine.Decision;
import dev.ballast.autoscaler.engine.MetricStatus;

import java.util.List;

/** The what-if answer: the fixed contract (currentReplicas, desiredReplicas, metrics, conditions) plus the reason. */
public record SimulationResponse(int currentReplicas, int desiredReplicas, List<MetricStatus> metrics,
                                 List<Condition> conditions, String reason, Decision.Forecast forecast) {

    static SimulationResponse of(Decision d) {
        return new SimulationResponse(d.currentReplicas(), d.desiredReplicas(), d.metrics(), d.conditions(), d.reason(),
                d.forecast());
    }
}
