package dev.ballast.exporter.collector.queue;

import dev.ballast.exporter.testing.MetricsText;
import dev.ballast.testing.RedisServer;
import dev.ballast.testing.RedisServerResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The queue collector against a real redis-server, with jobs written exactly where Celery (kombu), RQ,
 * BullMQ and Sidekiq keep them.
 */
@QuarkusTest
@TestProfile(RedisQueuesProfile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class RedisTaskQueueCollectorTest {

    static final String SEP = "\u0006\u0016"; // kombu's priority separator

    @RedisServerResource.Inject
    RedisServer redis;

    @Inject
    RedisDataSource data;

    @BeforeEach
    void writeQueuesInEachSystemsLayout() {
        data.flushall();
        // Celery: bare list for priority 0, sub-queues name\x06\x16<step> for 3, 6, 9; unacked hash
        rpush("celery", 4);
        rpush("celery" + SEP + "3", 3);
        rpush("celery" + SEP + "9", 2);
        rpush("emails", 1);
        data.execute("HSET", "unacked", "tag-1", "{}", "tag-2", "{}");
        // Celery workers bind their queues: _kombu.binding.<exchange> = {routing_key SEP pattern SEP queue}
        data.execute("SADD", "_kombu.binding.reports", "reports" + SEP + SEP + "reports");
        data.execute("SADD", "_kombu.binding.celeryev", "worker.#" + SEP + SEP + "celeryev.5b1e0c7a");
        data.execute("SADD", "_kombu.binding.celery.pidbox", SEP + SEP + "celery@worker-1.celery.pidbox");
        rpush("reports" + SEP + "6", 2);
        // RQ: registry set of queue keys, pending list, sorted-set registries
        data.execute("SADD", "rq:queues", "rq:queue:keep-a", "rq:queue:keep-b", "rq:queue:keep-c", "rq:queue:ignored");
        rpush("rq:queue:keep-a", 2);
        data.execute("ZADD", "rq:wip:keep-a", "1", "job-3");
        data.execute("ZADD", "rq:failed:keep-a", "1", "job-4", "2", "job-5");
        data.execute("ZADD", "rq:scheduled:keep-a", "1", "job-6");
        rpush("rq:queue:ignored", 7);
        // BullMQ: meta hash marks the queue; wait/paused/active lists; prioritized/delayed/failed sorted sets
        data.execute("HSET", "bull:video:meta", "opts.maxLenEvents", "10000");
        rpush("bull:video:wait", 3);
        rpush("bull:video:active", 1);
        data.execute("ZADD", "bull:video:prioritized", "4294967296", "7", "8589934592", "8");
        data.execute("ZADD", "bull:video:delayed", "1700000000000", "9");
        data.execute("ZADD", "bull:video:failed", "1", "10", "2", "11", "3", "12");
        // Sidekiq: queues set, queue:<name> lists, shared schedule/retry/dead sorted sets
        data.execute("SADD", "queues", "default", "mailers");
        rpush("queue:default", 5);
        rpush("queue:mailers", 1);
        data.execute("ZADD", "retry", "1", "a", "2", "b");
        data.execute("ZADD", "dead", "1", "c");
        data.execute("ZADD", "schedule", "1", "d", "2", "e", "3", "f");
        // a plain list
        rpush("jobs:pending", 6);
    }

    private void rpush(String key, int jobs) {
        for (int i = 0; i < jobs; i++) {
            data.execute("RPUSH", key, "{\"id\":" + i + "}");
        }
    }

    /** Collection runs every second while the test writes: assert on a scrape until the data written has been collected. */
    private static void eventually(java.util.function.Consumer<MetricsText> assertions) {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertions.accept(MetricsText.scrape()));
    }

    @Test
    void celeryLengthSumsTheBareListAndEveryPrioritySubQueue() {
        eventually(metrics -> {
            assertThat(metrics.value("ballast_task_queue_length", "system", "celery", "queue", "celery")).contains(9.0);
            assertThat(metrics.value("ballast_task_queue_length", "system", "celery", "queue", "emails")).contains(1.0);
            assertThat(metrics.value("ballast_task_queue_shared_jobs", "system", "celery", "state", "reserved")).contains(2.0);
        });
    }

    @Test
    void celeryQueuesAreDiscoveredFromKombuBindingsWithoutEventAndBroadcastQueues() {
        eventually(metrics -> {
            assertThat(metrics.value("ballast_task_queue_length", "system", "celery", "queue", "reports")).contains(2.0);
            assertThat(metrics.all("ballast_task_queue_length").stream().map(s -> s.labels().get("queue")))
                    .noneMatch(q -> q.startsWith("celeryev") || q.endsWith(".pidbox"));
        });
    }

    @Test
    void rqQueuesAreDiscoveredFromItsRegistryThroughTheAllowListAndCap() {
        eventually(metrics -> {
            assertThat(metrics.value("ballast_task_queue_length", "system", "rq", "queue", "keep-a")).contains(2.0);
            assertThat(metrics.value("ballast_task_queue_jobs", "system", "rq", "queue", "keep-a", "state", "active")).contains(1.0);
            assertThat(metrics.value("ballast_task_queue_jobs", "system", "rq", "queue", "keep-a", "state", "failed")).contains(2.0);
            assertThat(metrics.value("ballast_task_queue_jobs", "system", "rq", "queue", "keep-a", "state", "scheduled")).contains(1.0);
            assertThat(metrics.value("ballast_task_queue_length", "system", "rq", "queue", "keep-b")).contains(0.0);
            assertThat(metrics.value("ballast_task_queue_length", "system", "rq", "queue", "keep-c")).as("over the cap of 2").isEmpty();
            assertThat(metrics.value("ballast_task_queue_length", "system", "rq", "queue", "ignored")).as("not allowed").isEmpty();
            assertThat(metrics.value("ballast_exporter_task_queues_over_cap", "system", "rq", "group", "rq")).contains(1.0);
        });
    }

    @Test
    void bullMqQueuesAreDiscoveredByScanningMetaKeysAndCountedByState() {
        eventually(metrics -> {
            assertThat(metrics.value("ballast_task_queue_length", "system", "bullmq", "queue", "video")).contains(5.0);
            assertThat(metrics.value("ballast_task_queue_jobs", "system", "bullmq", "queue", "video", "state", "waiting")).contains(3.0);
            assertThat(metrics.value("ballast_task_queue_jobs", "system", "bullmq", "queue", "video", "state", "prioritized")).contains(2.0);
            assertThat(metrics.value("ballast_task_queue_jobs", "system", "bullmq", "queue", "video", "state", "active")).contains(1.0);
            assertThat(metrics.value("ballast_task_queue_jobs", "system", "bullmq", "queue", "video", "state", "scheduled")).contains(1.0);
            assertThat(metrics.value("ballast_task_queue_jobs", "system", "bullmq", "queue", "video", "state", "failed")).contains(3.0);
        });
    }

    @Test
    void sidekiqQueuesComeFromTheQueuesSetAndItsSharedSetsAreCountedOnce() {
        eventually(metrics -> {
            assertThat(metrics.value("ballast_task_queue_length", "system", "sidekiq", "queue", "default")).contains(5.0);
            assertThat(metrics.value("ballast_task_queue_length", "system", "sidekiq", "queue", "mailers")).contains(1.0);
            assertThat(metrics.value("ballast_task_queue_shared_jobs", "system", "sidekiq", "state", "retry")).contains(2.0);
            assertThat(metrics.value("ballast_task_queue_shared_jobs", "system", "sidekiq", "state", "dead")).contains(1.0);
            assertThat(metrics.value("ballast_task_queue_shared_jobs", "system", "sidekiq", "state", "scheduled")).contains(3.0);
        });
    }

    @Test
    void aPlainListIsCountedByItsLength() {
        eventually(metrics -> {
            assertThat(metrics.value("ballast_task_queue_length", "system", "list", "queue", "jobs:pending")).contains(6.0);
            assertThat(metrics.value("ballast_exporter_collector_up", "collector", "task_queues", "target", "plain")).contains(1.0);
        });
    }

    @Test
    void aQueueThatEmptiesReadsZeroOnTheNextCollection() {
        eventually(metrics -> assertThat(metrics.value("ballast_task_queue_length", "system", "list", "queue", "jobs:pending")).contains(6.0));

        data.execute("DEL", "jobs:pending");

        await().atMost(Duration.ofSeconds(15)).until(MetricsText::scrape,
                m -> m.value("ballast_task_queue_length", "system", "list", "queue", "jobs:pending").equals(java.util.Optional.of(0.0)));
    }
}
