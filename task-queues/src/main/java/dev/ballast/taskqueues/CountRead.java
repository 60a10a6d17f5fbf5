package dev.ballast.taskqueues;

import java.util.Objects;

/** A read in a count plan: which state its number counts toward, and whether that state is backlog. */
public record CountRead(JobState state, RedisRead read) {

    public CountRead {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(read, "read");
    }

    /** Backlog means work a worker could start now: what queue-length autoscaling should react to. */
    public boolean backlog() {
        return state == JobState.WAITING || state == JobState.PRIORITIZED || state == JobState.PAUSED;
    }
}
