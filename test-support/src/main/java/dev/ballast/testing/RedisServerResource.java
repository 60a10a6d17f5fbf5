package dev.ballast.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Map;

/**
 * Quarkus test resource: starts a real {@code redis-server} on a free loopback port for the test run,
 * points {@code quarkus.redis.hosts} at it and stops it afterwards. Never uses Dev Services.
 *
 * <pre>{@code
 * @QuarkusTest
 * @QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
 * class MyTest { @RedisServerResource.Inject RedisServer redis; }
 * }</pre>
 */
public class RedisServerResource implements QuarkusTestResourceLifecycleManager {

    /** Marks a {@link RedisServer} field of the test to receive the running server. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface Inject {
    }

    private RedisServer server;

    @Override
    public Map<String, String> start() {
        server = RedisServer.start();
        return Map.of("quarkus.redis.hosts", server.uri());
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(server, new TestInjector.AnnotatedAndMatchesType(Inject.class, RedisServer.class));
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }
}
