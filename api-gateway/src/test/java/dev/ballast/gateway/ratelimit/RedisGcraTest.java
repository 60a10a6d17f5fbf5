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
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        server.close();
    }

    @Test
    void twoReplicasDrawFromOneBudget() throws Exception {
        String key = "rl:" + UUID.randomUUID();
        // 1/h: nothing refills during the test, so exactly the burst gets through, whoever asks.
        Rate rate = Rate.parse("1/h");
        RedisGcra a = new RedisGcra(vertx, replicaA, 2_000);
        RedisGcra b = new RedisGcra(vertx, replicaB, 2_000);

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
    void theScriptIsLoadedAgainAfterRedisForgetsIt() throws Exception {
        String key = "rl:" + UUID.randomUUID();
        RedisGcra gcra = new RedisGcra(vertx, replicaA, 2_000);
        await(gcra.decide(key, Rate.parse("1/h"), 2));

        await(replicaA.send(Request.cmd(Command.SCRIPT).arg("FLUSH")));
        Gcra.Decision afterFlush = await(gcra.decide(key, Rate.parse("1/h"), 2));

        assertThat(afterFlush.allowed()).isTrue();
        assertThat(afterFlush.remaining()).isZero();
    }

    @Test
    void aKeyExpiresOnceItsBudgetIsFullAgain() throws Exception {
        String key = "rl:" + UUID.randomUUID();

        await(new RedisGcra(vertx, replicaA, 2_000).decide(key, Rate.parse("10/s"), 3));
        long ttl = await(replicaA.send(Request.cmd(Command.PTTL).arg(key))).toLong();

        assertThat(ttl).isBetween(1L, 101L);
    }

    @Test
    void aStoppedRedisFailsTheDecisionSoTheLocalLimiterCanTakeOver() throws Exception {
        RedisServer lone = RedisServer.start();
        Redis client = Redis.createClient(vertx, lone.uri());
        try {
            RedisGcra gcra = new RedisGcra(vertx, client, 200);
            assertThat(await(gcra.decide("rl:x", Rate.parse("1/s"), 1)).allowed()).isTrue();

            lone.stop();

            assertThat(gcra.decide("rl:x", Rate.parse("1/s"), 1).toCompletionStage().toCompletableFuture()
                    .handle((ok, failure) -> failure).get(5, TimeUnit.SECONDS)).isNotNull();
        } finally {
            client.close();
            lone.close();
        }
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
}
