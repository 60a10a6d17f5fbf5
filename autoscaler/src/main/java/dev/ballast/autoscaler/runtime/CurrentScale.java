package dev.ballast.autoscaler.runtime;

import dev.ballast.autoscaler.engine.PodState;

import java.util.List;

/**
 * What the actuator read of the target: scale.spec.replicas, scale.status.replicas, the target's pods and
 * scale.status.selector (null for a virtual target), which also picks the pods' metrics.k8s.io samples.
 */
public record CurrentScale(int specReplicas, int statusReplicas, List<PodState> pods, String selector) {

    public CurrentScale {
        pods = pods == null ? List.of() : List.copyOf(pods);
    }

    public CurrentScale(int specReplicas, int statusReplicas, List<PodState> pods) {
        this(specReplicas, statusReplicas, pods, null);
    }
}
