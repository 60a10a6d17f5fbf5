package dev.ballast.autoscaler.source;

import dev.ballast.autoscaler.policy.BallastSpec;
import dev.ballast.autoscaler.runtime.ManualTicks;
import dev.ballast.testing.RedisServer;
import dev.ballast.testing.RedisServerResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * RedisQueueSource against a real redis-server, one case per layout: the keys each task-queue system writes are
 * counted (Celery's priority sub-queues summed), keys of other queues and of non-backlog states are not, and
 * {@code includeInFlight} adds the running jobs. Redis down is missing data, never zero.
 */
@QuarkusTest
@TestProfile(ManualTicks.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class RedisQueueSourceTest {

    /** kombu's priority separator (0x06 0x16) between a Celery queue's name and its priority step. */
    static final String SEP = "\u0006\u0016";

    @Inject
    RedisQueueSource source;
    @Inject
    RedisDataSource redis;
    @RedisServerResource.Inject
    RedisServer server;

    @BeforeEach
    void empty() {
        redis.flushall();
    }

    /**
     * One layout: the keys to write ("L key n" a list of n items, "Z key n" a sorted set of n members, "H key n" a
     * hash of n fields), and the depth of queue "gpu" without and with the in-flight jobs.
     */
    static Stream<Arguments> layouts() {
        return Stream.of(
                Arguments.of("celery", null, new String[]{"L gpu 2", "L gpu" + SEP + "3 3", "L gpu" + SEP + "6 4",
                        "L gpu" + SEP + "9 1", "L cpu 7", "L cpu" + SEP + "3 5", "H unacked 5"}, 10, 10),
                Arguments.of("celery", "app:", new String[]{"L app:gpu 1", "L app:gpu" + SEP + "9 2", "L gpu 50"}, 3, 3),
                Arguments.of("rq", null, new String[]{"L rq:queue:gpu 4", "Z rq:wip:gpu 2", "Z rq:scheduled:gpu 3",
                        "Z rq:deferred:gpu 1", "Z rq:failed:gpu 1", "L rq:queue:cpu 5"}, 4, 6),
                Arguments.of("bullmq", null, new String[]{"L bull:gpu:wait 3", "L bull:gpu:paused 1", "Z bull:gpu:prioritized 2",
                        "L bull:gpu:active 4", "Z bull:gpu:delayed 5", "Z bull:gpu:waiting-children 1", "Z bull:gpu:failed 1",
                        "L bull:cpu:wait 9"}, 6, 10),
                Arguments.of("bullmq", "jobs", new String[]{"L jobs:gpu:wait 2", "L jobs:gpu:active 1", "L bull:gpu:wait 9"}, 2, 3),
                Arguments.of("sidekiq", null, new String[]{"L queue:gpu 6", "Z schedule 2", "Z retry 3", "Z dead 1",
                        "L queue:cpu 9"}, 6, 6),
                Arguments.of("sidekiq", "ns", new String[]{"L ns:queue:gpu 2", "L queue:gpu 9"}, 2, 2),
                Arguments.of("list", null, new String[]{"L gpu 7", "L cpu 2"}, 7, 7));
    }

    @ParameterizedTest(name = "{0} (prefix {1})")
    @MethodSource("layouts")
    @DisplayName("each layout counts the backlog of its own keys; includeInFlight adds the running jobs")
    void countsEachLayout(String layout, String prefix, String[] keys, long backlog, long withInFlight) throws Exception {
        for (String k : keys) {
            write(k);
        }

        assertThat(depth(layout, prefix, false)).as("backlog").isEqualTo(backlog);
        assertThat(depth(layout, prefix, true)).as("backlog and in flight").isEqualTo(withInFlight);
    }

    @Test
    @DisplayName("a queue with no keys at all is an empty queue: zero")
    void absentQueueIsZero() throws Exception {
        assertThat(depth("celery", null, false)).isZero();
    }

    @Test
    @DisplayName("an unknown layout is missing data naming the accepted ones")
    void unknownLayout() {
        assertThatThrownBy(() -> depth("kafka", null, false)).isInstanceOf(MissingDataException.class)
                .hasMessageContaining("Unknown task-queue system 'kafka'").hasMessageContaining("celery, rq, bullmq, sidekiq, list");
    }

    @Test
    @DisplayName("Redis down is missing data, never zero; counting resumes once Redis is back")
    void redisDownIsMissingData() throws Exception {
        write("L gpu 7");
        assertThat(depth("list", null, false)).isEqualTo(7);

        server.stop();
        try {
            assertThatThrownBy(() -> depth("list", null, false)).isInstanceOf(MissingDataException.class)
                    .hasMessageContaining("Redis did not count list queue 'gpu'");
        } finally {
            server.restart();
        }

        // restarted empty: the client reconnects and reads the new server's (empty) list
        await().atMost(Duration.ofSeconds(15)).ignoreExceptionsInstanceOf(MissingDataException.class)
                .until(() -> depth("list", null, false) == 0);
        write("L gpu 2");
        assertThat(depth("list", null, false)).isEqualTo(2);
    }

    private long depth(String layout, String prefix, boolean includeInFlight) throws MissingDataException {
        SourceValue v = source.fetch(new MetricQuery.RedisQueueDepth(new BallastSpec.RedisQueue(layout, "gpu", prefix, null, includeInFlight)));
        assertThat(v.milli() % 1000).as("a depth is a whole number of jobs").isZero();
        return v.milli() / 1000;
    }

    private void write(String spec) {
        String[] p = spec.split(" ");
        String type = p[0];
        String key = p[1];
        int n = Integer.parseInt(p[2]);
        for (int i = 0; i < n; i++) {
            switch (type) {
                case "L" -> redis.list(String.class).rpush(key, "job-" + i);
                case "Z" -> redis.sortedSet(String.class).zadd(key, i, "job-" + i);
                case "H" -> redis.hash(String.class).hset(key, "job-" + i, "{}");
                default -> throw new IllegalArgumentException(spec);
            }
        }
    }
}
