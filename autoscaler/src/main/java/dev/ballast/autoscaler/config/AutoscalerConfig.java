package dev.ballast.autoscaler.config;

import dev.ballast.autoscaler.engine.EngineSettings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Map;

/**
 * {@code ballast.autoscaler.*}: the cluster-wide knobs the HPA takes as kube-controller-manager flags, with the
 * same defaults.
 */
@ConfigMapping(prefix = "ballast.autoscaler")
public interface AutoscalerConfig {

    /** --horizontal-pod-autoscaler-cpu-initialization-period. */
    @WithDefault("5m")
    Duration cpuInitializationPeriod();

    /** --horizontal-pod-autoscaler-initial-readiness-delay. */
    @WithDefault("30s")
    Duration initialReadinessDelay();

    /** --horizontal-pod-autoscaler-tolerance, used where behavior sets no tolerance. */
    @WithDefault("0.1")
    double tolerance();

    /** --horizontal-pod-autoscaler-downscale-stabilization, the legacy path's window. */
    @WithDefault("5m")
    Duration downscaleStabilization();

    /**
     * Budget groups by name ({@code ballast.autoscaler.budget-groups."gpu-pool".max-replicas=40}): the most replicas
     * the policies naming the group may have together.
     */
    Map<String, BudgetGroup> budgetGroups();

    interface BudgetGroup {
        int maxReplicas();
    }

    default EngineSettings engineSettings() {
        return new EngineSettings(cpuInitializationPeriod(), initialReadinessDelay(), tolerance(), downscaleStabilization());
    }
}
