package dev.ballast.autoscaler.policy;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * autoscaling/v2 HPAScalingRules for one direction. {@code tolerance} (KEP-4951) is a quantity such as "0.05";
 * unset means the cluster-wide 0.1.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HPAScalingRules(Integer stabilizationWindowSeconds, SelectPolicy selectPolicy,
                              List<HPAScalingPolicy> policies, Quantity tolerance) {

    /** autoscaling/v2 HPAScalingPolicy: change by {@code value} pods or percent within {@code periodSeconds}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record HPAScalingPolicy(ScalingPolicyType type, Integer value, Integer periodSeconds) {
    }
}
