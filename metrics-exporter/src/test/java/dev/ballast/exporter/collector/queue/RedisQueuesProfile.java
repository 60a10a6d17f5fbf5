package dev.ballast.exporter.collector.queue;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** Queue groups of every system on the test's redis-server, with RQ discovery behind an allow-list and a cap. */
public class RedisQueuesProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.ofEntries(
                Map.entry("ballast.exporter.task-queues.celery.queues", "celery,emails"),
                Map.entry("ballast.exporter.task-queues.rq.allow", "keep-*"),
                Map.entry("ballast.exporter.task-queues.rq.max-queues", "2"),
                Map.entry("ballast.exporter.task-queues.plain.system", "list"),
                Map.entry("ballast.exporter.task-queues.plain.queues", "jobs:pending"),
                Map.entry("ballast.exporter.task-queues.plain.interval", "1s"));
    }
}
