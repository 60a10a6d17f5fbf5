package dev.ballast.taskqueues;

import java.util.List;

/** A plain Redis list used as a queue (LPUSH/BRPOP workers): its length is the backlog. */
public record ListLayout(String keyPrefix) implements QueueLayout {

    public ListLayout {
        keyPrefix = keyPrefix == null ? "" : keyPrefix;
    }

    public ListLayout() {
        this("");
    }

    @Override
    public QueueSystem system() {
        return QueueSystem.LIST;
    }

    @Override
    public QueueCountPlan countPlan(String queue) {
        return new QueueCountPlan(system(), queue, List.of(new CountRead(JobState.WAITING, RedisRead.llen(keyPrefix + queue))));
    }
}
