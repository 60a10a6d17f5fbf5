package dev.ballast.autoscaler.config;

import dev.ballast.autoscaler.engine.EngineSettings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

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

    default EngineSettings engineSettings() {
        return new EngineSettings(cpuInitializationPeriod(), initialReadinessDelay(), tolerance(), downscaleStabilization());
    }
}
