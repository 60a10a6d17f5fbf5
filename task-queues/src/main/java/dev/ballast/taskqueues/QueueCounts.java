package dev.ballast.taskqueues;

import java.util.Map;

/**
 * Counts of one queue (or of a system's shared sets), by state, with the backlog a worker could start now.
 *
 * @param queue the queue name; empty for the sets a system shares across queues (Sidekiq retry/dead)
 */
public record QueueCounts(QueueSystem system, String queue, Map<JobState, Long> byState, long backlog) {

    public QueueCounts {
        byState = Map.copyOf(byState);
    }

    /** The count for a state, 0 when the plan does not read it. */
    public long count(JobState state) {
        return byState.getOrDefault(state, 0L);
    }
}
