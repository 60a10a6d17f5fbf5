package dev.ballast.autoscaler.leader;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * Kubernetes mode with leader election on and a fixed identity; the scheduler ticks. The client-go timings are
 * generous (a renewal stalled by a loaded machine must not cost the Lease mid-test); the take-over after the other
 * replica's Lease runs out still comes within a retry or two.
 */
public class FollowerProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("ballast.autoscaler.kubernetes.enabled", "true",
                "ballast.autoscaler.leader-election.enabled", "true",
                "ballast.autoscaler.leader-election.lease-namespace", "ballast",
                "ballast.autoscaler.leader-election.identity", "autoscaler-under-test",
                "ballast.autoscaler.leader-election.lease-duration", "3s",
                "ballast.autoscaler.leader-election.renew-deadline", "2s",
                "ballast.autoscaler.leader-election.retry-period", "500ms",
                "ballast.autoscaler.state.redis", "false");
    }
}
