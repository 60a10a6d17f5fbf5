package dev.ballast.autoscaler.policy;

import com.fasterxml.jackson.annotation.JsonProperty;

/** autoscaling/v2 MetricSourceType; constants carry the exact wire spelling. */
public enum MetricSourceType {
    @JsonProperty("Resource") RESOURCE("Resource"),
    @JsonProperty("ContainerResource") CONTAINER_RESOURCE("ContainerResource"),
    @JsonProperty("Pods") PODS("Pods"),
    @JsonProperty("Object") OBJECT("Object"),
    @JsonProperty("External") EXTERNAL("External");

    private final String wire;

    MetricSourceType(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }
}
