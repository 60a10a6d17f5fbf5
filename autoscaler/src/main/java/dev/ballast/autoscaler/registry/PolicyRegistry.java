package dev.ballast.autoscaler.registry;

import dev.ballast.autoscaler.engine.Decision;
import dev.ballast.autoscaler.engine.ScalingHistory;
import dev.ballast.autoscaler.policy.PolicyValidator;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * In-memory registry of policies and their decision state, fed by the runtime (informer on ScalingPolicy resources,
 * decision loop) and read by the HTTP API. The runtime persists {@link PolicyState#history()} and overrides to
 * Redis; this class only holds the live copy.
 */
@ApplicationScoped
public class PolicyRegistry {

    private static final Logger LOG = Logger.getLogger(PolicyRegistry.class);
    static final int AUDIT_LIMIT = 50;

    private final ConcurrentMap<PolicyKey, PolicyState> policies = new ConcurrentHashMap<>();

    /** Adds or replaces a policy's spec (validated and defaulted); keeps its history, decision and override. */
    public PolicyState upsert(PolicyKey key, ScalingPolicySpec spec) {
        ScalingPolicySpec effective = PolicyValidator.validateAndDefault(spec, "spec");
        return policies.compute(key, (k, old) -> old == null
                ? new PolicyState(k, effective, null, ScalingHistory.EMPTY, null, null, List.of())
                : old.withSpec(effective));
    }

    /**
     * Puts back what a previous process (or the previous leader) persisted: history, last scale time, override and
     * its audit trail. The last decision is not restored; the next cycle makes a new one.
     */
    public void restore(PolicyKey key, ScalingHistory history, Instant lastScaleTime, OverrideRecord override,
                        List<AuditEntry> audit) {
        policies.computeIfPresent(key, (k, old) -> new PolicyState(k, old.spec(), old.lastDecision(),
                history == null ? ScalingHistory.EMPTY : history, lastScaleTime, override,
                audit == null ? List.of() : List.copyOf(audit)));
    }

    public void remove(PolicyKey key) {
        policies.remove(key);
    }

    public Optional<PolicyState> find(PolicyKey key) {
        return Optional.ofNullable(policies.get(key));
    }

    public Collection<PolicyState> all() {
        return policies.values();
    }

    /** Stores a decision the runtime applied; its history becomes the input of the next one. */
    public void recordDecision(PolicyKey key, Decision decision) {
        policies.computeIfPresent(key, (k, old) -> old.withDecision(decision));
    }

    /** The API override still in force at {@code now}, if any. */
    public Optional<OverrideRecord> activeOverride(PolicyKey key, Instant now) {
        return find(key).map(PolicyState::override).filter(o -> now.isBefore(o.expiresAt()));
    }

    public Optional<PolicyState> setOverride(PolicyKey key, int replicas, String reason, Instant expiresAt, Instant now) {
        OverrideRecord o = new OverrideRecord(replicas, reason, expiresAt, now);
        PolicyState updated = policies.computeIfPresent(key, (k, old) -> old.withOverride(o,
                new AuditEntry(now, "set", replicas, reason, expiresAt), AUDIT_LIMIT));
        if (updated != null) {
            LOG.infof("override set on %s: %d replicas until %s, reason: %s", key, replicas, expiresAt, reason);
        }
        return Optional.ofNullable(updated);
    }

    public Optional<PolicyState> clearOverride(PolicyKey key, Instant now) {
        PolicyState updated = policies.computeIfPresent(key, (k, old) -> old.override() == null ? old
                : old.withOverride(null, new AuditEntry(now, "cleared", null, null, null), AUDIT_LIMIT));
        if (updated != null) {
            LOG.infof("override cleared on %s", key);
        }
        return Optional.ofNullable(updated);
    }
}
