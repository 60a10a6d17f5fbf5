package dev.ballast.autoscaler.runtime;

import java.util.Map;

/**
 * Kubernetes mode for {@link LeaderFailoverTest}: the test builds both autoscaler instances itself (each with its own
 * Lease candidate, gate, registry, state store and ticker), so the application's own election is off and nothing
 * ticks on a schedule.
 */
public class LeaderFailoverProfile extends ClockedProfile {

    public LeaderFailoverProfile() {
        super(Map.of("ballast.autoscaler.kubernetes.enabled", "true",
                "ballast.autoscaler.leader-election.enabled", "false",
                "ballast.autoscaler.runtime.scheduler-enabled", "false",
                // injected 5xx reach the elector as sent, not hidden behind the client's own retries
                "quarkus.kubernetes-client.request-retry-backoff-limit", "0"));
    }
}
