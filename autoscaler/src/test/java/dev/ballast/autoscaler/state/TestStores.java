package dev.ballast.autoscaler.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ballast.autoscaler.config.AutoscalerConfig;
import io.vertx.mutiny.redis.client.Redis;

/** A StateStore of its own over a shared Redis, as a second autoscaler process has (tests only). */
public final class TestStores {

    private TestStores() {
    }

    public static StateStore newStore(Redis redis, ObjectMapper json, AutoscalerConfig config) {
        return new StateStore(redis, json, config);
    }
}
