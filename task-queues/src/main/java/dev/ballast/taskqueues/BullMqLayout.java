package dev.ballast.taskqueues;

import java.util.List;
import java.util.Optional;

/**
 * BullMQ: keys {@code PREFIX:NAME:TYPE}, default prefix {@code bull} (queue-keys.ts). As in
 * getCounts-1.lua, {@code wait}, {@code paused} and {@code active} are lists (LLEN) and
 * {@code prioritized}, {@code delayed}, {@code waiting-children}, {@code failed} are sorted sets (ZCARD).
 * Every queue has a {@code meta} hash, so SCAN {@code PREFIX:*:meta} discovers queues.
 */
public record BullMqLayout(String prefix) implements QueueLayout {

    public static final String DEFAULT_PREFIX = "bull";

    public BullMqLayout {
        if (prefix == null || prefix.isEmpty()) {
            throw new IllegalArgumentException("The BullMQ key prefix must not be empty (BullMQ's default is 'bull')");
        }
    }

    public static BullMqLayout defaults() {
        return new BullMqLayout(DEFAULT_PREFIX);
    }

    @Override
    public QueueSystem system() {
        return QueueSystem.BULLMQ;
    }

    public String key(String queue, String type) {
        return prefix + ":" + queue + ":" + type;
    }

    @Override
    public QueueCountPlan countPlan(String queue) {
        return new QueueCountPlan(system(), queue, List.of(
                new CountRead(JobState.WAITING, RedisRead.llen(key(queue, "wait"))),
                new CountRead(JobState.PAUSED, RedisRead.llen(key(queue, "paused"))),
                new CountRead(JobState.PRIORITIZED, RedisRead.zcard(key(queue, "prioritized"))),
                new CountRead(JobState.ACTIVE, RedisRead.llen(key(queue, "active"))),
                new CountRead(JobState.SCHEDULED, RedisRead.zcard(key(queue, "delayed"))),
                new CountRead(JobState.DEFERRED, RedisRead.zcard(key(queue, "waiting-children"))),
                new CountRead(JobState.FAILED, RedisRead.zcard(key(queue, "failed")))));
    }

    @Override
    public Optional<DiscoveryPlan> discovery() {
        return Optional.of(DiscoveryPlan.scan(prefix + ":*:meta", prefix + ":", ":meta"));
    }
}
