package dev.ballast.exporter;

import dev.ballast.exporter.collector.queue.RedisQueuesProfile;
import dev.ballast.exporter.testing.MetricsText;
import dev.ballast.exporter.testing.Promtool;
import dev.ballast.testing.RedisServer;
import dev.ballast.testing.RedisServerResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code promtool check metrics} over the exporter's real {@code /q/metrics}: queue series from a real
 * redis-server, event-intake histograms and counters, self metrics and the JVM/HTTP meters. promtool
 * must report nothing.
 */
@QuarkusTest
@TestProfile(RedisQueuesProfile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class PromtoolCheckTest {

    @RedisServerResource.Inject
    RedisServer redis;

    @Inject
    RedisDataSource data;

    @Test
    void promtoolFindsNothingToReportInTheExportersMetrics() throws IOException, InterruptedException {
        data.execute("RPUSH", "celery\u0006\u00163", "job");
        data.execute("SADD", "queues", "default");
        data.execute("RPUSH", "queue:default", "job");
        given().contentType("application/json").body("""
                [{"kind":"inference","model":"llama3","provider":"ollama","operation":"chat","status":"error","error_type":"timeout",
                  "duration_seconds":2.5,"time_to_first_token_seconds":0.4,"input_tokens":10,"output_tokens":5,"load_duration_seconds":3},
                 {"kind":"agent_task","agent":"a","task_type":"t","status":"succeeded","duration_seconds":1},
                 {"kind":"agent_task","agent":"a","task_type":"t","status":"queued"},
                 {"kind":"vector_search","collection":"docs","duration_seconds":0.01,"results":4}]""")
                .post("/v1/events").then().statusCode(202);
        MetricsText metrics = await().atMost(Duration.ofSeconds(15)).until(MetricsText::scrape,
                m -> m.value("ballast_task_queue_length", "system", "sidekiq", "queue", "default").isPresent());

        String report = Promtool.checkMetrics(metrics.text());

        assertThat(report).as("promtool check metrics output").isEmpty();
    }

    @Test
    void aPrometheusScrapeGetsTheClassicTextFormatThatPromtoolChecks() {
        // the Accept header Prometheus 2.x sends on every scrape; Quarkus answers with text format 0.0.4
        given().header("Accept", "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                        + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1").get("/q/metrics")
                .then().statusCode(200)
                .contentType(org.hamcrest.Matchers.startsWith("text/plain; version=0.0.4"))
                .body(org.hamcrest.Matchers.containsString("# TYPE ballast_exporter_collector_up gauge"));
    }
}
