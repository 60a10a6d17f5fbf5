package dev.ballast.autoscaler.kube;

import dev.ballast.autoscaler.config.AutoscalerConfig;
import dev.ballast.autoscaler.runtime.DryRunActuator;
import dev.ballast.autoscaler.runtime.ScaleActuator;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/**
 * The one actuator the loop uses, chosen at startup by {@code ballast.autoscaler.kubernetes.enabled}: the dry-run
 * actuator when off (the Kubernetes one is never built, so nothing contacts an API server), the scale subresource
 * when on.
 */
@Singleton
public class ActuatorSelection {

    private static final Logger LOG = Logger.getLogger(ActuatorSelection.class);

    @Produces
    @Singleton
    ScaleActuator actuator(AutoscalerConfig config, DryRunActuator dryRun, Instance<KubernetesScaleActuator> kubernetes) {
        if (!config.kubernetes().enabled()) {
            LOG.info("actuator: dry-run (ballast.autoscaler.kubernetes.enabled=false): decisions are computed, not applied");
            return dryRun;
        }
        LOG.infof("actuator: the scale subresource of each target, field manager %s", config.kubernetes().fieldManager());
        return kubernetes.get();
    }
}
