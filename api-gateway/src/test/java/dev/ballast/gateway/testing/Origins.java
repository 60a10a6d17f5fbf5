package dev.ballast.gateway.testing;

import dev.ballast.testing.LoopbackPorts;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Quarkus test resource: starts four {@link Origin} servers on free loopback ports before the gateway and exposes
 * their addresses as {@code test.origin.0} … {@code test.origin.3} for the test profile's endpoint lists.
 */
public class Origins implements QuarkusTestResourceLifecycleManager {

    public static final int COUNT = 4;

    /** Marks an {@link Origins} field of the test to receive the running servers. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface Inject {
    }

    private Vertx vertx;
    private final List<Origin> origins = new ArrayList<>();

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        Map<String, String> config = new HashMap<>();
        for (int i = 0; i < COUNT; i++) {
            Origin origin = new Origin(vertx, "origin-" + i, LoopbackPorts.free());
            origin.start();
            origins.add(origin);
            config.put("test.origin." + i, origin.address());
        }
        return config;
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(this, new TestInjector.AnnotatedAndMatchesType(Inject.class, Origins.class));
    }

    public Origin get(int index) {
        return origins.get(index);
    }

    public List<Origin> all() {
        return List.copyOf(origins);
    }

    public void resetAll() {
        origins.forEach(Origin::reset);
    }

    @Override
    public void stop() {
        origins.forEach(Origin::kill);
        if (vertx != null) {
            Origin.await(vertx.close());
        }
    }

}
