package dev.ballast.autoscaler.engine;

import dev.ballast.autoscaler.policy.BallastSpec;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;

import java.time.Instant;

/**
 * Everything one decision needs. The runtime fills it from I/O; the engine reads nothing else.
 *
 * @param spec      the policy spec with defaults applied ({@link ScalingPolicySpec#withDefaults()})
 * @param override  an override set through the API (wins over {@code spec.ballast.override}); null for none
 * @param budgetCap the replicas this policy may have after budget arbitration; null when it has no group
 */
public record DecisionInput(ScalingPolicySpec spec, Observation observed, ScalingHistory history, Instant now,
                            BallastSpec.Override override, Integer budgetCap) {

    public DecisionInput {
        history = history == null ? ScalingHistory.EMPTY : history;
    }

    /** A plain input: the spec is defaulted here, no API override, no budget. */
    public static DecisionInput of(ScalingPolicySpec spec, Observation observed, ScalingHistory history, Instant now) {
        return new DecisionInput(spec.withDefaults(), observed, history, now, null, null);
    }

    public DecisionInput withBudgetCap(Integer cap) {
        return new DecisionInput(spec, observed, history, now, override, cap);
    }
}
