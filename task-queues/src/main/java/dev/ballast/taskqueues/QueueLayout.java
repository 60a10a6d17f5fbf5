package dev.ballast.taskqueues;

import java.util.List;
import java.util.Optional;

/**
 * How one task-queue system lays its queues out in Redis, as pure data: which reads count a queue,
 * which reads count the sets the system shares across queues, and how to discover queue names.
 * The exporter and the autoscaler execute these plans with their own Redis clients.
 */
public sealed interface QueueLayout permits CeleryLayout, RqLayout, BullMqLayout, SidekiqLayout, ListLayout {

    QueueSystem system();

    /** The reads that count one queue. */
    QueueCountPlan countPlan(String queue);

    /** Reads of sets shared by every queue (Sidekiq schedule/retry/dead, Celery unacked); empty plan when none. */
    default QueueCountPlan sharedPlan() {
        return new QueueCountPlan(system(), "", List.of());
    }

    /** How queues can be discovered; empty when they must be configured (plain lists). */
    default Optional<DiscoveryPlan> discovery() {
        return Optional.empty();
    }

    /** The layout with each system's defaults (no key prefix or namespace). */
    static QueueLayout defaults(QueueSystem system) {
        return switch (system) {
            case CELERY -> CeleryLayout.defaults();
            case RQ -> new RqLayout();
            case BULLMQ -> BullMqLayout.defaults();
            case SIDEKIQ -> SidekiqLayout.defaults();
            case LIST -> new ListLayout();
        };
    }

    /**
     * The layout with a key prefix: Celery's {@code global_keyprefix}, BullMQ's {@code prefix}
     * (replaces {@code bull}), Sidekiq's redis-namespace ({@code ns} gives {@code ns:queue:NAME});
     * RQ and plain lists take it literally in front of every key.
     */
    static QueueLayout withPrefix(QueueSystem system, String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return defaults(system);
        }
        return switch (system) {
            case CELERY -> new CeleryLayout(prefix, CeleryLayout.DEFAULT_SEPARATOR, CeleryLayout.DEFAULT_PRIORITY_STEPS);
            case RQ -> new RqLayout(prefix);
            case BULLMQ -> new BullMqLayout(prefix);
            case SIDEKIQ -> new SidekiqLayout(prefix);
            case LIST -> new ListLayout(prefix);
        };
    }
}
