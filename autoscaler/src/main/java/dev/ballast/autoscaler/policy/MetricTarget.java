package dev.ballast.autoscaler.policy;

import com.fasterxml.jackson.annotation.JsonInclude;

/** autoscaling/v2 MetricTarget: exactly one of value, averageValue or averageUtilization, matching {@code type}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MetricTarget(MetricTargetType type, Quantity value, Quantity averageValue, Integer averageUtilization) {

    public static MetricTarget utilization(int percent) {
        return new MetricTarget(MetricTargetType.UTILIZATION, null, null, percent);
    }

    public static MetricTarget averageValue(Quantity quantity) {
        return new MetricTarget(MetricTargetType.AVERAGE_VALUE, null, quantity, null);
    }

    public static MetricTarget value(Quantity quantity) {
        return new MetricTarget(MetricTargetType.VALUE, quantity, null, null);
    }
}
