package dev.ballast.autoscaler.kube.policy;

import dev.ballast.autoscaler.runtime.TestClock;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;
import java.util.Set;

/**
 * Kubernetes mode against the mock API server, leader election off (this replica always acts), the scheduler on
 * (each policy's job makes its first tick at once) and a manual clock for the decisions.
 */
public class KubernetesPolicies implements QuarkusTestProfile {

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(TestClock.class);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("ballast.autoscaler.kubernetes.enabled", "true",
                "ballast.autoscaler.leader-election.enabled", "false",
                "ballast.autoscaler.state.redis", "false");
    }
}
