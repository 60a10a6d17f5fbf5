package dev.ballast.testing;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedisServerTest {

    @Test
    @DisplayName("starts a real redis-server on a loopback port, survives stop and restart on the same port")
    void startStopRestart() {
        try (RedisServer redis = RedisServer.start()) {
            assertThat(redis.ping()).isTrue();
            assertThat(redis.uri()).isEqualTo("redis://127.0.0.1:" + redis.port());

            redis.stop();
            assertThat(redis.ping()).isFalse();
            assertThat(redis.isRunning()).isFalse();

            redis.restart();
            assertThat(redis.ping()).isTrue();
        }
    }
}
