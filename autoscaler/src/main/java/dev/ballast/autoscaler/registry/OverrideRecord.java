package dev.ballast.autoscaler.registry;

import dev.ballast.autoscaler.policy.BallastSpec;

import java.time.Instant;

/** A manual override as set through the API, with when it was set (for the audit trail). */
public record OverrideRecord(int replicas, String reason, Instant expiresAt, Instant setAt) {

    /** The engine's view of it. */
    public BallastSpec.Override toSpec() {
        return new BallastSpec.Override(replicas, reason, expiresAt);
    }
}
