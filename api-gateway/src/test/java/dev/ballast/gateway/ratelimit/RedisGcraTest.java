package dev.ballast.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.testing.RedisServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Lua script against a real redis-server: one budget for every client, and survival of a script flush. */
class RedisGcraTest {

    private static RedisServer server;
    private static Vertx vertx;
    private static Redis replicaA;
    private static Redis replicaB;

    @BeforeAll
    static void startRedis() {
        server = RedisServer.start();
        vertx = Vertx.vertx();
        // Two separate clients (two pools) stand for two gateway replicas.
        replicaA = Redis.createClient(vertx, server.uri());
        replicaB = Redis.createClient(vertx, server.uri());
    }

    @AfterAll
    static void stopRedis() throws Exception {
        replicaA.close();
        replicaB.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        server.close();
    }

    @Test
    void twoReplicasDrawFromOneBudget() throws Exception {
        String key = "rl:" + UUID.randomUUID();
        // 1/h: nothing refills during the test, so exactly the burst gets through, whoever asks.
        Rate rate = Rate.parse("1/h");
        RedisGcra a = new RedisGcra(vertx, replicaA, 5_000);
        RedisGcra b = new RedisGcra(vertx, replicaB, 5_000);

        List<Gcra.Decision> decisions = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            decisions.add(await((i % 2 == 0 ? a : b).decide(key, rate, 4)));
        }

        assertThat(decisions).extracting(Gcra.Decision::allowed).containsExactly(true, true, true, true, false);
        assertThat(decisions).extracting(Gcra.Decision::remaining).containsExactly(3L, 2L, 1L, 0L, 0L);
        Gcra.Decision refused = decisions.get(4);
        assertThat(refused.retryAfterMicros()).isBetween(3_590_000_000L, 3_600_000_000L);
        assertThat(refused.resetMicros()).isBetween(4 * 3_590_000_000L, 4 * 3_600_000_000L);
    }

    @Test
    void concurrentDecisionsFromTwoReplicasAllowExactlyTheBurst() throws Exception {
        String key = "rl:" + UUID.randomUUID();
        // 1/h: nothing refills during the test, so exactly the burst of 7 out of 50 is allowed.
        Rate rate = Rate.parse("1/h");
        List<RedisGcra> replicas = List.of(new RedisGcra(vertx, replicaA, 5_000), new RedisGcra(vertx, replicaB, 5_000));
        // Warm both connections, on another key, so the 50 decisions below race each other rather than the connects.
        for (RedisGcra replica : replicas) {
            await(replica.decide("rl:warm:" + UUID.randomUUID(), rate, 1));
        }
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Gcra.Decision>> decisions = new CopyOnWriteArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<?>> fired = new ArrayList<>();
            for (RedisGcra replica : replicas) {
                fired.add(threads.submit(() -> {
                    go.await();
                    for (int i = 0; i < 25; i++) {
                        decisions.add(replica.decide(key, rate, 7));
                    }
                    return null;
                }));
            }
            go.countDown();
            for (java.util.concurrent.Future<?> f : fired) {
                f.get(15, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }

        List<Gcra.Decision> answers = new ArrayList<>();
        for (Future<Gcra.Decision> decision : decisions) {
            answers.add(await(decision));
        }
        assertThat(answers).hasSize(50);
        assertThat(answers).filteredOn(Gcra.Decision::allowed).hasSize(7);
        assertThat(answers).filteredOn(Gcra.Decision::allowed).extracting(Gcra.Decision::remaining)
                .containsExactlyInAnyOrder(6L, 5L, 4L, 3L, 2L, 1L, 0L);
    }

    @Test
    void theScriptIsLoadedAgainAfterRedisForgetsIt() throws Exception {
        String key = "rl:" + UUID.randomUUID();
        RedisGcra gcra = new RedisGcra(vertx, replicaA, 5_000);
        await(gcra.decide(key, Rate.parse("1/h"), 2));

        await(replicaA.send(Request.cmd(Command.SCRIPT).arg("FLUSH")));
        Gcra.Decision afterFlush = await(gcra.decide(key, Rate.parse("1/h"), 2));

        assertThat(afterFlush.allowed()).isTrue();
        assertThat(afterFlush.remaining()).isZero();
    }

    @Test
    void aKeyExpiresOnceItsBudgetIsFullAgain() throws Exception {
        String key = "rl:" + UUID.randomUUID();

        // 1/h, burst 3: one request leaves the budget one interval (an hour) short, so the key lives an hour (plus the
        // millisecond rounded up). A slow rate keeps the key alive however late PTTL comes.
        await(new RedisGcra(vertx, replicaA, 5_000).decide(key, Rate.parse("1/h"), 3));
        long ttl = await(replicaA.send(Request.cmd(Command.PTTL).arg(key))).toLong();

        assertThat(ttl).isBetween(3_590_000L, 3_600_001L);
    }

    @Test
    void aStoppedRedisFailsTheDecisionSoTheLocalLimiterCanTakeOver() throws Exception {
        RedisServer lone = RedisServer.start();
        Redis client = Redis.createClient(vertx, lone.uri());
        try {
            // Time for the first answer on a cold connection; the stopped server below is refused at once.
            RedisGcra gcra = new RedisGcra(vertx, client, 5_000);
            assertThat(await(gcra.decide("rl:x", Rate.parse("1/s"), 1)).allowed()).isTrue();

            lone.stop();

            assertThat(gcra.decide("rl:x", Rate.parse("1/s"), 1).toCompletionStage().toCompletableFuture()
                    .handle((ok, failure) -> failure).get(15, TimeUnit.SECONDS)).isNotNull();
        } finally {
            client.close();
            lone.close();
        }
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    }
}
