package dev.ballast.autoscaler.runtime;

import dev.ballast.autoscaler.engine.PodState;

import java.util.List;

/** What the actuator read of the target: scale.spec.replicas, scale.status.replicas and the target's pods. */
public record CurrentScale(int specReplicas, int statusReplicas, List<PodState> pods) {

    public CurrentScale {
        pods = pods == null ? List.of() : List.copyOf(pods);
    }
}
