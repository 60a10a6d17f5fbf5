package dev.ballast.autoscaler.engine;

import dev.ballast.autoscaler.policy.MetricTarget;
import dev.ballast.autoscaler.policy.Quantity;

/**
 * One metric's part in a decision: what was measured (as the HPA reports it in status.currentMetrics), the target,
 * and the replica count it proposed, or the error that kept it from proposing.
 *
 * @param name the resource name for Resource/ContainerResource metrics, metric.name otherwise
 */
public record MetricStatus(String type, String name, MetricTarget target, Integer replicas,
                           Integer currentAverageUtilization, Quantity currentAverageValue, Quantity currentValue,
                           String error) {
}
