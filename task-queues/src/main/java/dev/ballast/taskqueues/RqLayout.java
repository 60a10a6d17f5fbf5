package dev.ballast.taskqueues;

import java.util.List;
import java.util.Optional;

/**
 * RQ (python-rq): pending jobs in the list {@code rq:queue:NAME}; registries are sorted sets
 * {@code rq:wip:NAME} (StartedJobRegistry), {@code rq:failed:NAME}, {@code rq:scheduled:NAME},
 * {@code rq:deferred:NAME}; the set {@code rq:queues} holds every queue's key (rq/queue.py,
 * rq/registry.py). Raw ZCARD can include entries RQ's own {@code count()} would first clean up.
 */
public record RqLayout(String keyPrefix) implements QueueLayout {

    public RqLayout {
        keyPrefix = keyPrefix == null ? "" : keyPrefix;
    }

    public RqLayout() {
        this("");
    }

    @Override
    public QueueSystem system() {
        return QueueSystem.RQ;
    }

    @Override
    public QueueCountPlan countPlan(String queue) {
        return new QueueCountPlan(system(), queue, List.of(
                new CountRead(JobState.WAITING, RedisRead.llen(keyPrefix + "rq:queue:" + queue)),
                new CountRead(JobState.ACTIVE, RedisRead.zcard(keyPrefix + "rq:wip:" + queue)),
                new CountRead(JobState.SCHEDULED, RedisRead.zcard(keyPrefix + "rq:scheduled:" + queue)),
                new CountRead(JobState.DEFERRED, RedisRead.zcard(keyPrefix + "rq:deferred:" + queue)),
                new CountRead(JobState.FAILED, RedisRead.zcard(keyPrefix + "rq:failed:" + queue))));
    }

    @Override
    public Optional<DiscoveryPlan> discovery() {
        return Optional.of(DiscoveryPlan.setMembers(keyPrefix + "rq:queues", keyPrefix + "rq:queue:"));
    }
}
