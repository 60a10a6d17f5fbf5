package dev.ballast.lb;

/**
 * Point-in-time view of one endpoint.
 *
 * @param effectiveWeight nginx effective_weight after failure penalties, scaled by the slow-start ramp
 * @param health "healthy", "unhealthy" (active checks say down), "ejected" (outlier detection) or
 *               "failed" (nginx max_fails reached, waiting out fail_timeout)
 * @param ejectedUntilEpochMillis end of the current ejection, null when not ejected
 */
public record EndpointState(String id, String host, int port, String zone, int weight, int effectiveWeight,
        int inFlight, int consecutiveFailures, String health, boolean activeHealthy, boolean draining,
        Long ejectedUntilEpochMillis, int ejectionCount) {
}
