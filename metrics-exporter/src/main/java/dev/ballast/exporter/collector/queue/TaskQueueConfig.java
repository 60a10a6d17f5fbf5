package dev.ballast.exporter.collector.queue;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Queue groups to count in Redis ({@code quarkus.redis.hosts}); each group is one collection target. */
@ConfigMapping(prefix = "ballast.exporter")
public interface TaskQueueConfig {

    /** Groups by name, e.g. {@code ballast.exporter.task-queues.billing.system=celery}. */
    Map<String, Group> taskQueues();

    interface Group {
        /** {@code celery}, {@code rq}, {@code bullmq}, {@code sidekiq} or {@code list}. */
        String system();

        /** Queues always counted. */
        Optional<List<String>> queues();

        /** Also discover queues: RQ {@code rq:queues}, Sidekiq {@code queues}, BullMQ SCAN of {@code bull:*:meta}, Celery kombu bindings {@code _kombu.binding.*}. */
        @WithDefault("false")
        boolean discover();

        /** Glob allow-list for discovered queues; empty allows all. */
        Optional<List<String>> allow();

        /** At most this many queues per group (configured ones first, then discovered in name order). */
        @WithDefault("100")
        int maxQueues();

        /** Celery {@code global_keyprefix}, BullMQ prefix (default {@code bull}), Sidekiq namespace, or a literal prefix for RQ/lists. */
        Optional<String> keyPrefix();

        @WithDefault("15s")
        Duration interval();

        @WithDefault("5s")
        Duration timeout();
    }
}
