package dev.ballast.autoscaler.policy;

import com.fasterxml.jackson.annotation.JsonProperty;

/** autoscaling/v2 ScalingPolicySelect. */
public enum SelectPolicy {
    @JsonProperty("Max") MAX,
    @JsonProperty("Min") MIN,
    @JsonProperty("Disabled") DISABLED
}
