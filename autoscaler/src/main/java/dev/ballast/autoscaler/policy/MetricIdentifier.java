package dev.ballast.autoscaler.policy;

import com.fasterxml.jackson.annotation.JsonInclude;

/** autoscaling/v2 MetricIdentifier: a metric name and an optional label selector narrowing its series. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MetricIdentifier(String name, LabelSelector selector) {
}
