package dev.ballast.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.gateway.ratelimit.RateLimitRule.FailMode;
import dev.ballast.gateway.ratelimit.RateLimitRule.KeySource;
import dev.ballast.gateway.ratelimit.RateLimiter.Source;
import dev.ballast.gateway.ratelimit.RateLimiter.Verdict;
import dev.ballast.testing.RedisServer;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Redis first, the local share when Redis is gone, and Redis again once it is back: against a real redis-server. */
class RateLimiterTest {

    private static final RateLimitRule OPEN = new RateLimitRule(Rate.parse("1/h"), 4, KeySource.ROUTE, null, FailMode.OPEN);
    private static final RateLimitRule CLOSED = new RateLimitRule(Rate.parse("1/h"), 4, KeySource.ROUTE, null, FailMode.CLOSED);

    private final AtomicLong millis = new AtomicLong(1_000_000);
    private RedisServer server;
    private Vertx vertx;
    private Redis client;
    private RateLimiter limiter;

    @BeforeEach
    void start() {
        server = RedisServer.start();
        vertx = Vertx.vertx();
        client = Redis.createClient(vertx, server.uri());
        // Two replicas: while Redis is away this one allows half the burst. 5 s for Redis to answer: the first decision
        // on a cold connection (connect, EVALSHA, NOSCRIPT, EVAL) can take long on a loaded machine, and a stopped
        // server is refused at once, so no test here waits for the timeout.
        limiter = new RateLimiter(new RedisGcra(vertx, client, 5_000), new LocalGcra(() -> millis.get() * 1000, 1000), 2,
                millis::get, 1_000);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        server.close();
    }

    @Test
    void redisDecidesWhileItAnswers() throws Exception {
        Verdict verdict = decide("rl:" + UUID.randomUUID(), OPEN);

        assertThat(verdict.source()).isEqualTo(Source.REDIS);
        assertThat(verdict.decision().remaining()).isEqualTo(3);
        assertThat(limiter.redisUp()).isTrue();
        assertThat(limiter.redisDecisions()).isEqualTo(1);
    }

    @Test
    void withRedisStoppedAFailOpenRuleIsDecidedLocallyOnThisReplicasShare() throws Exception {
        server.stop();

        List<Verdict> verdicts = Stream.of(1, 2, 3).map(i -> decideUnchecked("rl:local", OPEN)).toList();

        assertThat(verdicts).extracting(Verdict::source).containsOnly(Source.LOCAL);
        assertThat(verdicts).extracting(Verdict::allowed).containsExactly(true, true, false); // burst 4 / 2 replicas
        assertThat(limiter.redisUp()).isFalse();
        assertThat(limiter.localDecisions()).isEqualTo(3);
    }

    @Test
    void withRedisStoppedAFailClosedRuleIsRefused() throws Exception {
        server.stop();

        Verdict verdict = decide("rl:closed", CLOSED);

        assertThat(verdict.source()).isEqualTo(Source.UNAVAILABLE);
        assertThat(verdict.allowed()).isFalse();
    }

    @Test
    void redisIsUsedAgainOnceItIsBack() throws Exception {
        server.stop();
        assertThat(decide("rl:back", OPEN).source()).isEqualTo(Source.LOCAL);

        server.restart();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            millis.addAndGet(1_000); // past the back-off: the next decision tries Redis
            assertThat(decide("rl:back", OPEN).source()).isEqualTo(Source.REDIS);
        });
        assertThat(limiter.redisUp()).isTrue();
    }

    @Test
    void withinTheBackOffAfterAFailureRedisIsNotAsked() throws Exception {
        server.stop();
        decide("rl:backoff", OPEN);
        server.restart();

        assertThat(decide("rl:backoff", OPEN).source()).isEqualTo(Source.LOCAL);
        // The restarted server's own statistics prove the LOCAL above was the back-off, not a failed call.
        assertThat(scriptCalls()).as("scripts run on the restarted Redis within the back-off").isZero();

        millis.addAndGet(1_001); // the back-off (1 s) is over: the next decision asks Redis again
        assertThat(decideWhenReconnected("rl:backoff").source()).isEqualTo(Source.REDIS);
        assertThat(scriptCalls()).isPositive();
    }

    /** EVAL plus EVALSHA calls the running redis-server has answered, from its INFO commandstats. */
    private long scriptCalls() throws Exception {
        Redis fresh = Redis.createClient(vertx, server.uri()); // not the limiter's client, whose pool may hold a dead link
        String info;
        try {
            info = fresh.send(Request.cmd(Command.INFO).arg("commandstats"))
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).toString();
        } finally {
            fresh.close();
        }
        long calls = 0;
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("cmdstat_eval:") || line.startsWith("cmdstat_evalsha:")) {
                calls += Long.parseLong(line.replaceAll(".*calls=(\\d+).*", "$1"));
            }
        }
        return calls;
    }

    /** The client may still hold a connection to the stopped server; a failed try restarts the back-off, so retry. */
    private Verdict decideWhenReconnected(String key) throws Exception {
        Verdict verdict = decide(key, OPEN);
        for (int i = 0; i < 5 && verdict.source() != Source.REDIS; i++) {
            millis.addAndGet(1_001);
            verdict = decide(key, OPEN);
        }
        return verdict;
    }

    private Verdict decide(String key, RateLimitRule rule) throws Exception {
        return limiter.decide(key, rule).toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    }

    private Verdict decideUnchecked(String key, RateLimitRule rule) {
        try {
            return decide(key, rule);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
