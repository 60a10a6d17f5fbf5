package dev.ballast.autoscaler.source;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ballast.testing.LoopbackHttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** PrometheusSource against the HTTP API served on loopback: what is a value and what is missing data. */
class PrometheusSourceTest {

    private final LoopbackHttpServer prometheus = LoopbackHttpServer.start();
    private final Clock clock = Clock.fixed(Instant.parse("2026-01-01T12:00:00Z"), ZoneOffset.UTC);
    /** A generous fetch timeout: the first request of a cold JDK HttpClient on a loaded machine can take seconds. */
    private final PrometheusSource source = new PrometheusSource(Duration.ofSeconds(10), clock, new ObjectMapper());
    private final String server = prometheus.url("").replaceAll("/$", "");

    @AfterEach
    void stop() {
        prometheus.close();
    }

    private void answer(String data) {
        prometheus.respond("/api/v1/query", 200, "application/json", "{\"status\":\"success\",\"data\":" + data + "}");
    }

    @Test
    @DisplayName("one sample is the value, in milli-units truncated as KEDA does")
    void oneSample() throws Exception {
        answer("{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"12.3456\"]}]}");

        assertThat(source.fetch(new MetricQuery.PrometheusInstant(server, "sum(x)")).milli()).isEqualTo(12_345);
    }

    @Test
    @DisplayName("a scalar result is a value too")
    void scalar() throws Exception {
        answer("{\"resultType\":\"scalar\",\"result\":[1,\"7\"]}");

        assertThat(source.fetch(new MetricQuery.PrometheusInstant(server, "scalar(x)")).milli()).isEqualTo(7_000);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "empty result      | {\"resultType\":\"vector\",\"result\":[]}                                                              | empty result",
            "two series        | {\"resultType\":\"vector\",\"result\":[{\"metric\":{\"a\":\"1\"},\"value\":[1,\"1\"]},{\"metric\":{\"a\":\"2\"},\"value\":[1,\"2\"]}]} | 2 series",
            "NaN               | {\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"NaN\"]}]}                      | NaN",
            "+Inf              | {\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"+Inf\"]}]}                     | Infinity",
    })
    @DisplayName("missing data, never zero")
    void missing(String what, String data, String message) {
        answer(data);

        assertThatThrownBy(() -> source.fetch(new MetricQuery.PrometheusInstant(server, "sum(x)")))
                .isInstanceOf(MissingDataException.class).hasMessageContaining(message);
    }

    @Test
    @DisplayName("a query error is missing data with Prometheus's message")
    void queryError() {
        prometheus.respond("/api/v1/query", 400, "application/json",
                "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error at char 4\"}");

        assertThatThrownBy(() -> source.fetch(new MetricQuery.PrometheusInstant(server, "sum(")))
                .isInstanceOf(MissingDataException.class).hasMessageContaining("HTTP 400 bad_data parse error at char 4");
    }

    @Test
    @DisplayName("a Prometheus slower than the timeout is missing data")
    void timeout() {
        CountDownLatch release = new CountDownLatch(1);
        PrometheusSource impatient = new PrometheusSource(Duration.ofMillis(200), clock, new ObjectMapper());
        prometheus.handle("/api/v1/query", exchange -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            assertThatThrownBy(() -> impatient.fetch(new MetricQuery.PrometheusInstant(server, "sum(x)")))
                    .isInstanceOf(MissingDataException.class).hasMessageContaining("did not answer within 200 ms");
        } finally {
            release.countDown();
        }
    }

    @Test
    @DisplayName("a Pods query gives one value per pod label")
    void perPod() throws Exception {
        answer("{\"resultType\":\"vector\",\"result\":["
                + "{\"metric\":{\"pod\":\"vllm-0\"},\"value\":[1,\"3\"]},{\"metric\":{\"pod\":\"vllm-1\"},\"value\":[1,\"0.5\"]}]}");

        assertThat(source.fetch(new MetricQuery.PrometheusPerPod(server, "x")).perPodMilli())
                .isEqualTo(Map.of("vllm-0", 3_000L, "vllm-1", 500L));
    }

    @Test
    @DisplayName("a range query asks for the lookback at the step and returns the series")
    void range() throws Exception {
        String[] asked = new String[1];
        prometheus.handle("/api/v1/query_range", exchange -> {
            asked[0] = exchange.getRequestURI().getRawQuery();
            LoopbackHttpServer.send(exchange, 200, "application/json", "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
                    + "\"result\":[{\"metric\":{},\"values\":[[1,\"1\"],[2,\"2\"],[3,\"4\"]]}]}}", Map.of());
        });

        SourceValue v = source.fetch(new MetricQuery.PrometheusRange(server, "sum(x)", Duration.ofHours(1), Duration.ofSeconds(15)));

        assertThat(v.series()).isEqualTo(List.of(1.0, 2.0, 4.0));
        long end = clock.instant().getEpochSecond();
        assertThat(asked[0]).isEqualTo("query=sum%28x%29&start=" + (end - 3600) + "&end=" + end + "&step=15");
    }
}
