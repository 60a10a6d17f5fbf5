package dev.ballast.autoscaler.kube.policy;

import dev.ballast.autoscaler.runtime.ClockedProfile;

import java.util.Map;

/**
 * Kubernetes mode against the test API server, leader election off (this replica always acts), the scheduler on
 * (each policy's job makes its first tick at once) and a manual clock for the decisions.
 */
public class KubernetesPolicies extends ClockedProfile {

    public KubernetesPolicies() {
        super(Map.of("ballast.autoscaler.kubernetes.enabled", "true",
                "ballast.autoscaler.leader-election.enabled", "false",
                "ballast.autoscaler.state.redis", "false"));
    }
}
