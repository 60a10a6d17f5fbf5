package dev.ballast.autoscaler.state;

import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.autoscaler.runtime.PolicyTicker;
import dev.ballast.autoscaler.runtime.ClockedProfile;
import dev.ballast.autoscaler.runtime.TestClock;
import dev.ballast.testing.RedisServer;
import dev.ballast.testing.RedisServerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis databases other than 0, on a real redis-server: with {@code quarkus.redis.hosts=redis://host:port/3} the
 * durable state lives in database 3, and a policy's {@code redisQueue.database: 5} reads its queue from database 5
 * (not from the same key in the state's database).
 */
@QuarkusTest
@TestProfile(RedisDatabaseTest.Profile.class)
@QuarkusTestResource(value = RedisDatabaseResource.class, restrictToAnnotatedClass = true)
class RedisDatabaseTest {

    public static class Profile extends ClockedProfile {
        public Profile() {
            super(Map.of("ballast.autoscaler.runtime.scheduler-enabled", "false",
                    "ballast.autoscaler.policies-file", "classpath:runtime/database-policies.yaml"));
        }
    }

    static final PolicyKey POLICY = new PolicyKey("ml", "db5-workers");

    @RedisServerResource.Inject
    RedisServer server;
    @Inject
    Vertx vertx;
    @Inject
    PolicyTicker ticker;
    @Inject
    TestClock clock;

    private final List<Redis> clients = new ArrayList<>();

    @AfterEach
    void close() {
        clients.forEach(Redis::close);
    }

    private Response send(int database, Command command, String... args) {
        Redis client = Redis.createClient(vertx, server.uri() + "/" + database);
        clients.add(client);
        Request r = Request.cmd(command);
        for (String a : args) {
            r.arg(a);
        }
        return client.send(r).await().atMost(Duration.ofSeconds(10));
    }

    @Test
    @DisplayName("state is kept in the database quarkus.redis.hosts selects, and a queue is read from its own database")
    void databasesAreHonoured() {
        List<String> forty = new ArrayList<>();
        forty.add("jobs");
        for (int i = 0; i < 40; i++) {
            forty.add("t" + i);
        }
        send(5, Command.RPUSH, forty.toArray(String[]::new));
        send(RedisDatabaseResource.DATABASE, Command.RPUSH, "jobs", "decoy");

        clock.advance(Duration.ofHours(1));
        int desired = ticker.tick(POLICY).orElseThrow().desiredReplicas();

        assertThat(desired).as("40 tasks in database 5 / 5 per replica").isEqualTo(8);
        assertThat(send(RedisDatabaseResource.DATABASE, Command.EXISTS, "ballast:autoscaler:state:ml/db5-workers").toInteger())
                .as("state in database 3").isEqualTo(1);
        assertThat(send(0, Command.DBSIZE).toInteger()).as("nothing written to database 0").isZero();
    }
}
