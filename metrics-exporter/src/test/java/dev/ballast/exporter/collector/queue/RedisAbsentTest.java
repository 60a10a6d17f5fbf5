package dev.ballast.exporter.collector.queue;

import dev.ballast.testing.LoopbackPorts;

import dev.ballast.exporter.testing.MetricsText;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** With no Redis listening the exporter still starts, stays ready, and says clearly that the queues cannot be read. */
@QuarkusTest
@TestProfile(RedisAbsentTest.NoRedis.class)
class RedisAbsentTest {

    public static class NoRedis implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.redis.hosts", "redis://127.0.0.1:" + LoopbackPorts.free() /* nothing listens there */);
        }
    }

    @Test
    void queueCollectorsReportDownWithConnectionErrorsAndNoQueueSeries() {
        MetricsText metrics = await().atMost(Duration.ofSeconds(15)).until(MetricsText::scrape,
                m -> m.value("ballast_exporter_collector_errors_total", "collector", "task_queues", "target", "celery",
                        "reason", "connection").isPresent());

        assertThat(metrics.value("ballast_exporter_collector_up", "collector", "task_queues", "target", "celery")).contains(0.0);
        assertThat(metrics.value("ballast_exporter_collector_last_success_timestamp_seconds", "target", "celery")).isEmpty();
        assertThat(metrics.all("ballast_task_queue_length")).as("no data must never read as zero load").isEmpty();
    }

    @Test
    void healthNamesTheUnreachableSourceWhileTheExporterStaysReady() {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> given().get("/q/health/well")
                .then().statusCode(503)
                .body("checks[0].name", equalTo("collectors"))
                .body("checks[0].data.'task_queues/celery'", containsString("connection")));

        given().get("/q/health/ready").then().statusCode(200);
    }
}
