package dev.ballast.taskqueues;

import java.util.Locale;

/** The task-queue systems whose Redis layouts this module knows. */
public enum QueueSystem {
    CELERY, RQ, BULLMQ, SIDEKIQ,
    /** A plain Redis list used as a queue (LLEN of the key named like the queue). */
    LIST;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a configuration value such as {@code celery} or {@code BullMQ}. */
    public static QueueSystem parse(String value) {
        for (QueueSystem system : values()) {
            if (system.name().equalsIgnoreCase(value.trim())) {
                return system;
            }
        }
        throw new IllegalArgumentException("Unknown task-queue system '" + value + "': use one of celery, rq, bullmq, sidekiq, list");
    }
}
