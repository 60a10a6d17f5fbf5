package dev.ballast.autoscaler.policy;

import com.fasterxml.jackson.annotation.JsonProperty;

/** autoscaling/v2 MetricTargetType; constants carry the exact wire spelling. */
public enum MetricTargetType {
    @JsonProperty("Utilization") UTILIZATION("Utilization"),
    @JsonProperty("Value") VALUE("Value"),
    @JsonProperty("AverageValue") AVERAGE_VALUE("AverageValue");

    private final String wire;

    MetricTargetType(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }
}
