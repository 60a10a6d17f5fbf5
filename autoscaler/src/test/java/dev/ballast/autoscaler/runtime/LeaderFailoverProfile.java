package dev.ballast.autoscaler.runtime;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;
import java.util.Set;

/**
 * Kubernetes mode for {@link LeaderFailoverTest}: the test builds both autoscaler instances itself (each with its own
 * Lease candidate, gate, registry, state store and ticker), so the application's own election is off and nothing
 * ticks on a schedule.
 */
public class LeaderFailoverProfile implements QuarkusTestProfile {

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(TestClock.class);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("ballast.autoscaler.kubernetes.enabled", "true",
                "ballast.autoscaler.leader-election.enabled", "false",
                "ballast.autoscaler.runtime.scheduler-enabled", "false",
                // injected 5xx reach the elector as sent, not hidden behind the client's own retries
                "quarkus.kubernetes-client.request-retry-backoff-limit", "0");
    }
}
