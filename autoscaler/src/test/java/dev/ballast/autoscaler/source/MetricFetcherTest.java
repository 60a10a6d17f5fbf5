package dev.ballast.autoscaler.source;

import dev.ballast.autoscaler.policy.BallastSpec;
import dev.ballast.testing.LoopbackHttpServer;
import dev.ballast.testing.RedisServer;
import dev.ballast.testing.RedisServerResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * MetricFetcher with {@code fetch-concurrency: 2}: distinct queries of one tick are fetched at the same time, never
 * more than the bound at once, and a failed fetch is counted against its source
 * ({@code ballast.autoscaler.source.errors{source="redis"}} with a real redis-server stopped). The fake Prometheus
 * holds every request until the test lets it go, so what is in flight is observed, not guessed from timings.
 */
@QuarkusTest
@TestProfile(MetricFetcherTest.Bounded.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class MetricFetcherTest {

    static final int BOUND = 2;
    /** Far longer than any step of these tests: a held request must never time out into missing data. */
    static final Duration WAIT = Duration.ofSeconds(30);

    public static class Bounded implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ballast.autoscaler.runtime.scheduler-enabled", "false",
                    "ballast.autoscaler.policies-file", "classpath:runtime/queue-policies.yaml",
                    "ballast.autoscaler.runtime.fetch-concurrency", String.valueOf(BOUND),
                    "ballast.autoscaler.runtime.fetch-timeout", "60s");
        }
    }

    @Inject
    MetricFetcher fetcher;
    @Inject
    MeterRegistry meters;
    @Inject
    RedisDataSource redis;
    @RedisServerResource.Inject
    RedisServer redisServer;

    private final LoopbackHttpServer prometheus = LoopbackHttpServer.start();
    private final String server = prometheus.url("").replaceAll("/$", "");
    /** Requests inside the handler now, the most there ever were, and those answered. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    private final AtomicInteger answered = new AtomicInteger();
    /** One permit lets one held request answer. */
    private final Semaphore release = new Semaphore(0);

    @AfterEach
    void stop() {
        release.release(1000);
        prometheus.close();
    }

    /** Every query answers its own number (from {@code q<n>}), once the test releases it. */
    private void holdingPrometheus() {
        prometheus.handle("/api/v1/query", exchange -> {
            peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                if (!release.tryAcquire(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                    LoopbackHttpServer.send(exchange, 503, "text/plain", "never released", Map.of());
                    return;
                }
                String n = exchange.getRequestURI().getQuery().replaceAll(".*query=q(\\d+).*", "$1");
                LoopbackHttpServer.send(exchange, 200, "application/json", "{\"status\":\"success\",\"data\":"
                        + "{\"resultType\":\"scalar\",\"result\":[1,\"" + n + "\"]}}", Map.of());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inFlight.decrementAndGet();
                answered.incrementAndGet();
            }
        });
    }

    private List<MetricQuery> queries(int n) {
        return IntStream.rangeClosed(1, n).<MetricQuery>mapToObj(i -> new MetricQuery.PrometheusInstant(server, "q" + i)).toList();
    }

    private static void assertValues(Map<MetricQuery, MetricFetcher.Result> results, List<MetricQuery> queries) {
        assertThat(results).containsOnlyKeys(queries);
        for (int i = 0; i < queries.size(); i++) {
            MetricFetcher.Result r = results.get(queries.get(i));
            assertThat(r.failed()).as(r.error()).isFalse();
            assertThat(r.value().milli()).isEqualTo((i + 1) * 1000L);
        }
    }

    @Test
    @DisplayName("the distinct queries of one tick are fetched at the same time, not one after the other")
    void fetchesOverlap() throws Exception {
        holdingPrometheus();
        List<MetricQuery> two = queries(BOUND);

        CompletableFuture<Map<MetricQuery, MetricFetcher.Result>> tick = CompletableFuture.supplyAsync(() -> fetcher.fetchAll(two));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(inFlight.get())
                .as("both requests held by Prometheus at once: the second started before the first was answered")
                .isEqualTo(BOUND));
        assertThat(tick).isNotDone();
        release.release(BOUND);
        assertValues(tick.get(WAIT.toSeconds(), TimeUnit.SECONDS), two);
    }

    @Test
    @DisplayName("never more fetches in flight than fetch-concurrency, however many queries a tick has")
    void concurrencyIsBounded() throws Exception {
        holdingPrometheus();
        List<MetricQuery> six = queries(3 * BOUND);

        CompletableFuture<Map<MetricQuery, MetricFetcher.Result>> tick = CompletableFuture.supplyAsync(() -> fetcher.fetchAll(six));

        // let the held requests go one at a time; after each, the freed slot is taken by the next query (2 held
        // again) until the last ones drain. A fetcher without the bound would have all six held at once.
        for (int done = 0; done < six.size(); done++) {
            int expected = Math.min(BOUND, six.size() - done);
            int answeredSoFar = done;
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(answered.get()).isEqualTo(answeredSoFar);
                assertThat(inFlight.get()).as("held after %d answers", answeredSoFar).isEqualTo(expected);
            });
            assertThat(peak.get()).as("most requests ever in flight at once").isEqualTo(BOUND);
            release.release();
        }
        assertValues(tick.get(WAIT.toSeconds(), TimeUnit.SECONDS), six);
        assertThat(peak.get()).as("most requests ever in flight at once").isEqualTo(BOUND);
        assertThat(prometheus.requestCount()).as("each query fetched once").isEqualTo(six.size());
    }

    @Test
    @DisplayName("a Redis queue read with Redis stopped is missing data, counted in source.errors{source=redis}")
    void redisErrorsAreCounted() {
        MetricQuery queue = new MetricQuery.RedisQueueDepth(new BallastSpec.RedisQueue("list", "gpu", null, null, false));
        redis.flushall();
        redis.list(String.class).rpush("gpu", "a", "b", "c");
        assertThat(fetcher.fetchAll(List.of(queue)).get(queue).value().milli()).as("Redis up").isEqualTo(3000);
        double before = redisErrors();
        double prometheusBefore = meters.counter("ballast.autoscaler.source.errors", "source", "prometheus").count();

        redisServer.stop();
        try {
            MetricFetcher.Result down = fetcher.fetchAll(List.of(queue, queue)).get(queue);
            assertThat(down.failed()).as("missing data, never zero").isTrue();
            assertThat(down.value()).isNull();
            assertThat(redisErrors() - before).as("one error for the one (deduplicated) fetch").isEqualTo(1.0);
            assertThat(meters.counter("ballast.autoscaler.source.errors", "source", "prometheus").count())
                    .as("counted against its own source only").isEqualTo(prometheusBefore);
        } finally {
            redisServer.restart();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> !fetcher.fetchAll(List.of(queue)).get(queue).failed());
    }

    private double redisErrors() {
        return meters.counter("ballast.autoscaler.source.errors", "source", "redis").count();
    }
}
