package dev.ballast.autoscaler.policy;

import com.fasterxml.jackson.annotation.JsonProperty;

/** autoscaling/v2 HPAScalingPolicyType. */
public enum ScalingPolicyType {
    @JsonProperty("Pods") PODS,
    @JsonProperty("Percent") PERCENT
}
