package dev.ballast.autoscaler.runtime;

import dev.ballast.autoscaler.engine.Decision;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import dev.ballast.autoscaler.registry.PolicyKey;

/**
 * A CDI event fired after each cycle of a policy on the acting replica, for what reports it outside the process
 * (the ScalingPolicy status and its Events), as the HPA's reconcile ends with updateStatusIfNeeded and its events.
 *
 * @param scaleError the refused scale read (FailedGetScale) or update (FailedUpdateScale), else null
 * @param attemptedReplicas the size the engine asked for, even when the update was refused (FailedRescale says it)
 */
public record PolicyDecided(PolicyKey key, ScalingPolicySpec spec, Decision decision,
                            ScaleActuator.ScaleException scaleError, int attemptedReplicas) {
}
