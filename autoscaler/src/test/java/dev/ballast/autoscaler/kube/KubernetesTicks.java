package dev.ballast.autoscaler.kube;

import dev.ballast.autoscaler.runtime.TestClock;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;
import java.util.Set;

/**
 * The loop on Kubernetes, ticked by hand on a {@link dev.ballast.autoscaler.runtime.TestClock}: the scale subresource
 * actuator, no leader election (this replica acts), a short API request timeout so a hung server shows quickly, and
 * no client-side retries.
 */
public class KubernetesTicks implements QuarkusTestProfile {

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(TestClock.class);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("ballast.autoscaler.runtime.scheduler-enabled", "false",
                "ballast.autoscaler.kubernetes.enabled", "true",
                "ballast.autoscaler.leader-election.enabled", "false",
                "quarkus.kubernetes-client.request-timeout", "PT0.5S",
                // the fabric8 client would retry an injected 5xx on its own; tests see each answer as sent
                "quarkus.kubernetes-client.request-retry-backoff-limit", "0");
    }
}
