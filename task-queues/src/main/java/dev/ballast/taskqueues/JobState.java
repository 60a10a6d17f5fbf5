package dev.ballast.taskqueues;

import java.util.Locale;

/**
 * One vocabulary for job states across Celery, RQ, BullMQ and Sidekiq, so dashboards and the
 * autoscaler can compare queues of different systems. Each layout documents which of its keys maps
 * to which state.
 */
public enum JobState {
    /** Ready to be picked by a worker (Celery list, RQ queue list, BullMQ wait, Sidekiq queue). */
    WAITING,
    /** Ready, but ordered by priority (BullMQ {@code prioritized} sorted set). */
    PRIORITIZED,
    /** Ready, but the queue is paused (BullMQ {@code paused} list). */
    PAUSED,
    /** Taken by a worker and running (RQ started registry, BullMQ {@code active}). */
    ACTIVE,
    /** Delivered to a worker but not acknowledged yet (Celery {@code unacked} hash). */
    RESERVED,
    /** Due at a later time (RQ scheduled, BullMQ delayed, Sidekiq schedule). */
    SCHEDULED,
    /** Waiting for other jobs to finish first (RQ deferred, BullMQ waiting-children). */
    DEFERRED,
    /** Failed, to be retried (Sidekiq retry). */
    RETRY,
    /** Failed and kept for inspection (RQ failed, BullMQ failed). */
    FAILED,
    /** Failed for good (Sidekiq dead). */
    DEAD;

    /** The Prometheus label value: lower case. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
