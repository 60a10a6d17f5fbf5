package dev.ballast.taskqueues;

import java.util.List;
import java.util.Optional;

/**
 * Sidekiq: each queue is the list {@code queue:NAME}; the set {@code queues} names them; the sorted
 * sets {@code schedule}, {@code retry} and {@code dead} are shared by all queues (Sidekiq::Stats in
 * lib/sidekiq/api.rb). A redis-namespace puts {@code NS:} in front of every key.
 */
public record SidekiqLayout(String namespace) implements QueueLayout {

    public SidekiqLayout {
        namespace = namespace == null ? "" : namespace;
    }

    public static SidekiqLayout defaults() {
        return new SidekiqLayout("");
    }

    private String key(String name) {
        return namespace.isEmpty() ? name : namespace + ":" + name;
    }

    @Override
    public QueueSystem system() {
        return QueueSystem.SIDEKIQ;
    }

    @Override
    public QueueCountPlan countPlan(String queue) {
        return new QueueCountPlan(system(), queue, List.of(new CountRead(JobState.WAITING, RedisRead.llen(key("queue:" + queue)))));
    }

    @Override
    public QueueCountPlan sharedPlan() {
        return new QueueCountPlan(system(), "", List.of(
                new CountRead(JobState.SCHEDULED, RedisRead.zcard(key("schedule"))),
                new CountRead(JobState.RETRY, RedisRead.zcard(key("retry"))),
                new CountRead(JobState.DEAD, RedisRead.zcard(key("dead")))));
    }

    @Override
    public Optional<DiscoveryPlan> discovery() {
        return Optional.of(DiscoveryPlan.setMembers(key("queues"), ""));
    }
}
