package dev.ballast.exporter.collector.queue;

import dev.ballast.exporter.testing.MetricsText;
import dev.ballast.testing.RedisServer;
import dev.ballast.testing.RedisServerResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis goes away and comes back: queue series are removed once they go stale (never frozen), the
 * target reports down with connection errors, and collection resumes by itself after the restart.
 */
@QuarkusTest
@TestProfile(RedisOutageTest.PlainList.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class RedisOutageTest {

    public static class PlainList implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "ballast.exporter.stale-after-intervals", "2",
                    "ballast.exporter.task-queues.plain.system", "list",
                    "ballast.exporter.task-queues.plain.queues", "jobs",
                    "ballast.exporter.task-queues.plain.interval", "1s",
                    "ballast.exporter.task-queues.plain.timeout", "500ms");
        }
    }

    @RedisServerResource.Inject
    RedisServer redis;

    @Inject
    RedisDataSource data;

    static Optional<Double> length(MetricsText m) {
        return m.value("ballast_task_queue_length", "system", "list", "queue", "jobs");
    }

    static Optional<Double> up(MetricsText m) {
        return m.value("ballast_exporter_collector_up", "collector", "task_queues", "target", "plain");
    }

    @Test
    void seriesGoStaleAndDisappearWhileRedisIsDownThenComeBack() {
        data.execute("RPUSH", "jobs", "a", "b", "c");
        await().atMost(Duration.ofSeconds(15)).until(MetricsText::scrape, m -> length(m).equals(Optional.of(3.0)));

        redis.stop();

        MetricsText down = await().atMost(Duration.ofSeconds(20)).until(MetricsText::scrape, m -> length(m).isEmpty());
        assertThat(up(down)).contains(0.0);
        assertThat(down.value("ballast_exporter_collector_errors_total", "target", "plain", "reason", "connection"))
                .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(1));

        redis.restart();
        data.execute("RPUSH", "jobs", "d");

        MetricsText back = await().atMost(Duration.ofSeconds(20)).until(MetricsText::scrape, m -> length(m).equals(Optional.of(1.0)));
        assertThat(up(back)).contains(1.0);
    }
}
