package dev.ballast.gateway.config;

import java.util.Set;

/**
 * Per-route retry policy: the consensus of nginx proxy_next_upstream, Envoy RetryPolicy and HAProxy retry-on.
 * maxTries counts the first try; the budget caps retries at budgetPercent of active requests (minimum
 * budgetMinConcurrency), like Envoy's retry_budget.
 */
public record RetrySettings(int maxTries, Set<Integer> statuses, long backoffBaseMillis, long backoffMaxMillis,
                            long replayableBodySize, double budgetPercent, int budgetMinConcurrency) {

    public RetrySettings {
        statuses = Set.copyOf(statuses);
    }

    /** Checked on every response: a plain range test plus a set lookup only for the rare 5xx candidates. */
    public boolean retriesStatus(int status) {
        return status >= 400 && !statuses.isEmpty() && statuses.contains(status);
    }
}
