package dev.ballast.autoscaler.engine;

import java.time.Instant;
import java.util.List;

/**
 * What the engine decided and why. The runtime patches the scale subresource when {@code rescale}, writes the
 * conditions to the policy status, and persists {@code history} (it assumes the rescale succeeds; on a failed
 * update the runtime keeps the previous history and sets AbleToScale=False FailedUpdateScale).
 *
 * @param reason   the SuccessfulRescale reason text ("cpu resource utilization (percentage of request) above
 *                 target", "All metrics below target", ...) or why nothing changed
 * @param forecast the forecast when predictive scaling is on, else null
 */
public record Decision(Instant timestamp, int currentReplicas, int desiredReplicas, boolean rescale, String reason,
                       List<MetricStatus> metrics, List<Condition> conditions, Forecast forecast,
                       ScalingHistory history) {

    /** The condition of the given type, or null. */
    public Condition condition(String type) {
        for (Condition c : conditions) {
            if (c.type().equals(type)) {
                return c;
            }
        }
        return null;
    }

    /**
     * A forecast: per-metric predicted peak within the horizon and the replicas it asks for.
     *
     * @param applied whether it raised the floor of this decision (mode forecast-and-scale)
     */
    public record Forecast(String mode, String method, int horizonSeconds, List<MetricForecast> metrics, int replicas,
                           boolean applied) {
    }

    /** One metric's forecast: its current value, the peak expected within the horizon, the replicas for that peak. */
    public record MetricForecast(String name, double currentValue, double predictedPeak, int replicas) {
    }
}
