package dev.ballast.autoscaler.runtime;

import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import dev.ballast.autoscaler.registry.PolicyKey;

/**
 * Reads and writes the size of a policy's target (the HPA's scale subresource calls). The dry-run actuator keeps a
 * virtual size; the Kubernetes one (next step) patches {@code /scale} with field manager {@code ballast-autoscaler}.
 */
public interface ScaleActuator {

    /** @throws ScaleException with reason FailedGetScale when the target cannot be read */
    CurrentScale read(PolicyKey key, ScalingPolicySpec spec) throws ScaleException;

    /** @throws ScaleException with reason FailedUpdateScale when the update is refused */
    void scale(PolicyKey key, ScalingPolicySpec spec, int replicas) throws ScaleException;

    /** True when decisions are not applied to a real workload (no Kubernetes). */
    boolean dryRun();

    /** Drops what the actuator keeps about a deleted policy. */
    default void forget(PolicyKey key) {
    }

    /** A failed scale read or write, with the HPA's event reason. */
    class ScaleException extends Exception {
        private final String reason;

        public ScaleException(String reason, String message, Throwable cause) {
            super(message, cause);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }
}
