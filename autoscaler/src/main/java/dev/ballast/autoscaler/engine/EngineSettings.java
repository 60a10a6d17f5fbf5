package dev.ballast.autoscaler.engine;

import java.time.Duration;

/**
 * The controller-manager flags the HPA reads cluster-wide (pkg/controller/podautoscaler/config/v1alpha1/defaults.go):
 * they are not part of a policy, so the runtime passes them in once.
 */
public record EngineSettings(Duration cpuInitializationPeriod, Duration initialReadinessDelay, double tolerance,
                             Duration downscaleStabilizationWindow) {

    /** --horizontal-pod-autoscaler-cpu-initialization-period 5m, -initial-readiness-delay 30s, -tolerance 0.1, -downscale-stabilization 5m. */
    public static final EngineSettings HPA_DEFAULTS = new EngineSettings(Duration.ofMinutes(5), Duration.ofSeconds(30),
            0.1, Duration.ofMinutes(5));
}
