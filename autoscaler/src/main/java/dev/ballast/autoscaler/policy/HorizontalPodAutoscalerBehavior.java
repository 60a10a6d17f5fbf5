package dev.ballast.autoscaler.policy;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/** autoscaling/v2 HorizontalPodAutoscalerBehavior, with GenerateHPAScaleUpRules/GenerateHPAScaleDownRules defaulting. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HorizontalPodAutoscalerBehavior(HPAScalingRules scaleUp, HPAScalingRules scaleDown) {

    /** Controller flag --horizontal-pod-autoscaler-downscale-stabilization default (maybeInitScaleDownStabilizationWindow). */
    public static final int DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS = 300;

    public static final HPAScalingRules DEFAULT_SCALE_UP = new HPAScalingRules(0, SelectPolicy.MAX, List.of(
            new HPAScalingRules.HPAScalingPolicy(ScalingPolicyType.PODS, 4, 15),
            new HPAScalingRules.HPAScalingPolicy(ScalingPolicyType.PERCENT, 100, 15)), null);

    public static final HPAScalingRules DEFAULT_SCALE_DOWN = new HPAScalingRules(DEFAULT_SCALE_DOWN_STABILIZATION_SECONDS,
            SelectPolicy.MAX, List.of(new HPAScalingRules.HPAScalingPolicy(ScalingPolicyType.PERCENT, 100, 15)), null);

    /** Both directions filled field by field: a user's partial rules keep their fields and take defaults for the rest. */
    public HorizontalPodAutoscalerBehavior withDefaults() {
        return new HorizontalPodAutoscalerBehavior(fill(scaleUp, DEFAULT_SCALE_UP), fill(scaleDown, DEFAULT_SCALE_DOWN));
    }

    private static HPAScalingRules fill(HPAScalingRules given, HPAScalingRules defaults) {
        if (given == null) {
            return defaults;
        }
        return new HPAScalingRules(
                given.stabilizationWindowSeconds() == null ? defaults.stabilizationWindowSeconds() : given.stabilizationWindowSeconds(),
                given.selectPolicy() == null ? defaults.selectPolicy() : given.selectPolicy(),
                given.policies() == null ? defaults.policies() : given.policies(),
                given.tolerance());
    }
}
