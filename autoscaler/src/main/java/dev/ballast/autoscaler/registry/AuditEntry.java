package dev.ballast.autoscaler.registry;

import java.time.Instant;

/** One change to a policy's override: "set" (with the values) or "cleared". */
public record AuditEntry(Instant at, String action, Integer replicas, String reason, Instant expiresAt) {
}
