package dev.ballast.autoscaler.runtime;

import dev.ballast.autoscaler.source.PrometheusAnswers;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ballast.autoscaler.engine.Condition;
import dev.ballast.autoscaler.engine.Decision;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.autoscaler.registry.PolicyRegistry;
import dev.ballast.testing.LoopbackHttpServer;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The loop against the Prometheus HTTP API served on loopback: while Prometheus is unreachable the target is held
 * (a failure is never zero load, so no scale-down), and after fallback.failureThreshold failed cycles the policy
 * goes to fallback.replicas.
 */
@QuarkusTest
@TestProfile(ManualTicks.class)
class PrometheusFallbackTest {

    @Inject
    PolicyRegistry registry;
    @Inject
    PolicyTicker ticker;
    @Inject
    DryRunActuator actuator;
    @Inject
    TestClock clock;
    @Inject
    ObjectMapper json;
    @Inject
    MeterRegistry meters;

    private final AtomicReference<String> answer = new AtomicReference<>();
    private final AtomicReference<HttpHandler> handler = new AtomicReference<>(this::serveAnswer);
    private LoopbackHttpServer prometheus;

    @AfterEach
    void stopPrometheus() {
        prometheus.close();
    }

    private PolicyKey policy(String name, String spec) throws Exception {
        prometheus = LoopbackHttpServer.start().handle("/api/v1/query", exchange -> handler.get().handle(exchange));
        PolicyKey key = new PolicyKey("ml", name);
        registry.upsert(key, json.readValue(spec.replace("PROMETHEUS", prometheus.url("")), ScalingPolicySpec.class));
        actuator.set(key, 1);
        clock.advance(Duration.ofHours(1));
        return key;
    }

    private void serveAnswer(HttpExchange exchange) throws java.io.IOException {
        LoopbackHttpServer.send(exchange, 200, "application/json", answer.get(), java.util.Map.of());
    }

    private static String vector(double value) {
        return PrometheusAnswers.vector(value);
    }

    private Decision tickAfter(PolicyKey key, Duration d) {
        clock.advance(d);
        return ticker.tick(key).orElseThrow();
    }

    @Test
    @DisplayName("unreachable Prometheus holds the target, then fallback replicas after the failure threshold")
    void unreachableHoldsThenFallback() throws Exception {
        PolicyKey key = policy("vllm-fallback", """
                {"scaleTargetRef": {"kind": "Deployment", "name": "vllm"}, "minReplicas": 1, "maxReplicas": 10,
                 "metrics": [{"type": "External", "external": {"metric": {"name": "waiting"}, "target": {"type": "AverageValue", "averageValue": "10"}}}],
                 "behavior": {"scaleDown": {"stabilizationWindowSeconds": 0}},
                 "ballast": {"sources": [{"metric": "waiting", "prometheus": {"serverAddress": "PROMETHEUS", "query": "sum(vllm:num_requests_waiting)"}}],
                             "fallback": {"failureThreshold": 3, "replicas": 2}}}""");
        answer.set(vector(50));
        assertThat(tickAfter(key, Duration.ZERO).desiredReplicas()).as("50 waiting / 10 = 5").isEqualTo(5);
        double errorsBefore = meters.counter("ballast.autoscaler.source.errors", "source", "prometheus").count();

        prometheus.close();
        Decision first = tickAfter(key, Duration.ofSeconds(15));
        Decision second = tickAfter(key, Duration.ofSeconds(15));
        Decision third = tickAfter(key, Duration.ofSeconds(15));

        assertThat(first.desiredReplicas()).as("held, not read as zero").isEqualTo(5);
        assertThat(first.condition(Condition.SCALING_ACTIVE).reason()).isEqualTo("FailedGetExternalMetric");
        assertThat(first.metrics().get(0).error()).contains("unreachable");
        assertThat(second.desiredReplicas()).isEqualTo(5);
        assertThat(third.desiredReplicas()).as("third failed cycle: fallback").isEqualTo(2);
        assertThat(third.condition(Condition.FALLBACK).reason()).isEqualTo("MetricFailuresExceeded");
        assertThat(meters.counter("ballast.autoscaler.source.errors", "source", "prometheus").count() - errorsBefore)
                .isEqualTo(3);
    }

    @Test
    @DisplayName("an empty result is missing data: the target is held, not scaled to the minimum")
    void emptyResultHolds() throws Exception {
        PolicyKey key = policy("vllm-empty", """
                {"scaleTargetRef": {"kind": "Deployment", "name": "vllm"}, "minReplicas": 1, "maxReplicas": 10,
                 "metrics": [{"type": "External", "external": {"metric": {"name": "waiting"}, "target": {"type": "AverageValue", "averageValue": "10"}}}],
                 "behavior": {"scaleDown": {"stabilizationWindowSeconds": 0}},
                 "ballast": {"sources": [{"metric": "waiting", "prometheus": {"serverAddress": "PROMETHEUS", "query": "sum(vllm:num_requests_waiting)"}}]}}""");
        answer.set(vector(30));
        assertThat(tickAfter(key, Duration.ZERO).desiredReplicas()).isEqualTo(3);

        answer.set("""
                {"status":"success","data":{"resultType":"vector","result":[]}}""");
        Decision held = tickAfter(key, Duration.ofSeconds(15));

        assertThat(held.desiredReplicas()).isEqualTo(3);
        assertThat(held.metrics().get(0).error()).contains("empty result");
    }

    @Test
    @DisplayName("a tick that finds the previous one of its policy still running is skipped, not stacked")
    void tickStillRunningIsSkipped() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        PolicyKey key = policy("vllm-slow", """
                {"scaleTargetRef": {"kind": "Deployment", "name": "vllm"}, "minReplicas": 1, "maxReplicas": 10,
                 "metrics": [{"type": "External", "external": {"metric": {"name": "waiting"}, "target": {"type": "AverageValue", "averageValue": "10"}}}],
                 "ballast": {"sources": [{"metric": "waiting", "prometheus": {"serverAddress": "PROMETHEUS", "query": "sum(slow)"}}]}}""");
        answer.set(vector(20));
        handler.set(exchange -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            serveAnswer(exchange);
        });
        CompletableFuture<Optional<Decision>> slow = CompletableFuture.supplyAsync(() -> ticker.tick(key));
        await().atMost(Duration.ofSeconds(10)).until(() -> ticker.running(key));

        Optional<Decision> overlapping = ticker.tick(key);
        release.countDown();

        assertThat(overlapping).as("skipped").isEmpty();
        assertThat(slow.get(10, TimeUnit.SECONDS)).get().extracting(Decision::desiredReplicas).isEqualTo(2);
        assertThat(prometheus.requestCount()).isEqualTo(1);
        assertThat(meters.counter("ballast.autoscaler.ticks.skipped", "policy_namespace", "ml", "policy", "vllm-slow").count())
                .isEqualTo(1);
    }

    @Test
    @DisplayName("a predictive policy's first cycle backfills its forecast series with a range query")
    void predictiveBackfill() throws Exception {
        PolicyKey key = policy("vllm-predictive", """
                {"scaleTargetRef": {"kind": "Deployment", "name": "vllm"}, "minReplicas": 1, "maxReplicas": 10,
                 "metrics": [{"type": "External", "external": {"metric": {"name": "waiting"}, "target": {"type": "AverageValue", "averageValue": "10"}}}],
                 "ballast": {"sources": [{"metric": "waiting", "prometheus": {"serverAddress": "PROMETHEUS", "query": "sum(w)"}}],
                             "predictive": {"mode": "forecast-only", "method": "linear", "horizonSeconds": 60, "seasonSeconds": 300}}}""");
        String[] asked = new String[1];
        prometheus.handle("/api/v1/query_range", exchange -> {
            asked[0] = exchange.getRequestURI().getRawQuery();
            LoopbackHttpServer.send(exchange, 200, "application/json", """
                    {"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"10"],[2,"20"],[3,"30"],[4,"40"]]}]}}""",
                    java.util.Map.of());
        });
        answer.set(vector(40));

        Decision d = tickAfter(key, Duration.ZERO);

        assertThat(asked[0]).as("(2 seasons + horizon) / 15 s step = 44 points").contains("step=15")
                .contains("start=" + (clock.instant().getEpochSecond() - 44 * 15));
        assertThat(d.history().series().get("waiting").values()).containsExactly(10_000, 20_000, 30_000, 40_000);
        assertThat(d.forecast()).as("a rising series forecasts above the current 4 replicas").isNotNull();
        assertThat(d.forecast().replicas()).isGreaterThan(4);
    }

    @Test
    @DisplayName("two metrics reading the same query are fetched once per tick")
    void sameQueryFetchedOnce() throws Exception {
        PolicyKey key = policy("vllm-dedup", """
                {"scaleTargetRef": {"kind": "Deployment", "name": "vllm"}, "minReplicas": 1, "maxReplicas": 10,
                 "metrics": [{"type": "External", "external": {"metric": {"name": "a"}, "target": {"type": "AverageValue", "averageValue": "10"}}},
                             {"type": "External", "external": {"metric": {"name": "b"}, "target": {"type": "AverageValue", "averageValue": "5"}}}],
                 "ballast": {"sources": [{"metric": "a", "prometheus": {"serverAddress": "PROMETHEUS", "query": "sum(x)"}},
                                         {"metric": "b", "prometheus": {"serverAddress": "PROMETHEUS", "query": "sum(x)"}}]}}""");
        answer.set(vector(20));

        Decision d = tickAfter(key, Duration.ZERO);

        assertThat(prometheus.requestCount()).isEqualTo(1);
        assertThat(d.metrics()).extracting(m -> m.replicas()).containsExactly(2, 4);
    }
}
