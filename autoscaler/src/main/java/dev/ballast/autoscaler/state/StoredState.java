package dev.ballast.autoscaler.state;

import dev.ballast.autoscaler.engine.ScalingHistory;
import dev.ballast.autoscaler.registry.AuditEntry;
import dev.ballast.autoscaler.registry.OverrideRecord;

import java.time.Instant;
import java.util.List;

/**
 * What survives a restart or a failover for one policy: the engine's history (recommendations, scale events,
 * lastActiveTime, fallback counter, burst hold, forecast series), the last scale time, the API override with its
 * audit trail, and on a dry-run target its virtual size. The HPA keeps all of it in memory and loses it.
 *
 * @param virtualReplicas the dry-run target's size; null when the target is real
 */
public record StoredState(ScalingHistory history, Instant lastScaleTime, OverrideRecord override,
                          List<AuditEntry> audit, Integer virtualReplicas) {
}
