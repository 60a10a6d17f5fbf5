package dev.ballast.autoscaler.runtime;

import dev.ballast.testing.LoopbackHttpServer;
import dev.ballast.testing.RedisServerResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@code local} profile as {@code ./ballast up} runs it (demo policies from the class path), with Prometheus
 * served on loopback instead of :9090, a redis-server of its own instead of :6379, and the scheduler off so the test
 * ticks on a {@link TestClock}.
 */
public class LocalDemoProfile implements QuarkusTestProfile {

    /** What the loopback Prometheus answers to /api/v1/query. */
    static final AtomicReference<String> ANSWER = new AtomicReference<>();

    @Override
    public String getConfigProfile() {
        return "local";
    }

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(TestClock.class);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("ballast.autoscaler.runtime.scheduler-enabled", "false");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        // A fresh redis-server of its own: the local profile's default (127.0.0.1:6379) may be a running
        // `./ballast up` whose durable state for local/llm would leak into this test.
        return List.of(new TestResourceEntry(LoopbackPrometheus.class), new TestResourceEntry(RedisServerResource.class));
    }

    /** Starts the loopback Prometheus and points the runtime's default Prometheus at it. */
    public static class LoopbackPrometheus implements QuarkusTestResourceLifecycleManager {
        private LoopbackHttpServer server;

        @Override
        public Map<String, String> start() {
            server = LoopbackHttpServer.start().handle("/api/v1/query",
                    exchange -> LoopbackHttpServer.send(exchange, 200, "application/json", ANSWER.get(), Map.of()));
            return Map.of("ballast.autoscaler.runtime.prometheus-url", server.url("").replaceAll("/$", ""));
        }

        @Override
        public void stop() {
            server.close();
        }
    }
}
