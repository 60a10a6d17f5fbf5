package dev.ballast.autoscaler.policy;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * {@code spec} of a ScalingPolicy: autoscaling/v2 HorizontalPodAutoscalerSpec field for field (same JSON names,
 * same defaults), plus {@code ballast}, the block holding every Ballast extension so the HPA part stays pasteable.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScalingPolicySpec(
        CrossVersionObjectReference scaleTargetRef,
        Integer minReplicas,
        Integer maxReplicas,
        List<MetricSpec> metrics,
        HorizontalPodAutoscalerBehavior behavior,
        BallastSpec ballast) {

    /** autoscaling.DefaultCPUUtilization: the metric an HPA gets when it names none. */
    public static final int DEFAULT_CPU_UTILIZATION = 80;

    /**
     * The spec as the API server would store it (pkg/apis/autoscaling/v2/defaults.go), with the
     * controller-level fallbacks filled in too (scale-down stabilization 300 s, tolerance 0.1) so the engine never
     * meets a null. {@code behavior} stays null when the user gave none: the HPA then runs its legacy path.
     */
    public ScalingPolicySpec withDefaults() {
        List<MetricSpec> effectiveMetrics = metrics == null || metrics.isEmpty()
                ? List.of(MetricSpec.resource("cpu", MetricTarget.utilization(DEFAULT_CPU_UTILIZATION)))
                : metrics;
        return new ScalingPolicySpec(
                scaleTargetRef,
                minReplicas == null ? Integer.valueOf(1) : minReplicas,
                maxReplicas,
                effectiveMetrics,
                behavior == null ? null : behavior.withDefaults(),
                (ballast == null ? BallastSpec.NONE : ballast).withDefaults());
    }

    /** Minimum replicas after defaulting (1 when unset). */
    public int effectiveMinReplicas() {
        return minReplicas == null ? 1 : minReplicas;
    }
}
