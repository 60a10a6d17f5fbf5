package dev.ballast.autoscaler.registry;

import dev.ballast.autoscaler.engine.Decision;
import dev.ballast.autoscaler.engine.ScalingHistory;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;

import java.time.Instant;
import java.util.List;

/**
 * What the autoscaler knows about one policy: its (defaulted) spec, the engine's last decision, the history to feed
 * the next one, the last time it rescaled, the API override and its audit trail. Immutable; the registry swaps it.
 */
public record PolicyState(PolicyKey key, ScalingPolicySpec spec, Decision lastDecision, ScalingHistory history,
                          Instant lastScaleTime, OverrideRecord override, List<AuditEntry> audit) {

    PolicyState withDecision(Decision decision) {
        Instant scaled = decision.rescale() ? decision.timestamp() : lastScaleTime;
        return new PolicyState(key, spec, decision, decision.history(), scaled, override, audit);
    }

    PolicyState withSpec(ScalingPolicySpec newSpec) {
        return new PolicyState(key, newSpec, lastDecision, history, lastScaleTime, override, audit);
    }

    PolicyState withOverride(OverrideRecord newOverride, AuditEntry entry, int auditLimit) {
        List<AuditEntry> trail = new java.util.ArrayList<>(audit);
        trail.add(entry);
        if (trail.size() > auditLimit) {
            trail = trail.subList(trail.size() - auditLimit, trail.size());
        }
        return new PolicyState(key, spec, lastDecision, history, lastScaleTime, newOverride, List.copyOf(trail));
    }
}
