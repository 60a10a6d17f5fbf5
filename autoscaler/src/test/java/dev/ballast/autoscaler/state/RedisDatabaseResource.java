package dev.ballast.autoscaler.state;

import dev.ballast.testing.RedisServer;
import dev.ballast.testing.RedisServerResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * A real redis-server whose {@code quarkus.redis.hosts} selects database 3 ({@code redis://127.0.0.1:<port>/3}), so
 * tests see that state and queues honour a database other than 0. The server is injected into fields annotated
 * {@link RedisServerResource.Inject}.
 */
public class RedisDatabaseResource implements QuarkusTestResourceLifecycleManager {

    public static final int DATABASE = 3;

    private RedisServer server;

    @Override
    public Map<String, String> start() {
        server = RedisServer.start();
        return Map.of("quarkus.redis.hosts", server.uri() + "/" + DATABASE);
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(server, new TestInjector.AnnotatedAndMatchesType(RedisServerResource.Inject.class, RedisServer.class));
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }
}
