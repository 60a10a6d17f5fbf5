package dev.ballast.gateway.health;

import dev.ballast.gateway.testing.GatewayClient;
import dev.ballast.gateway.testing.GatewayTestBase;
import dev.ballast.gateway.testing.Origin;
import dev.ballast.gateway.testing.Origins;
import dev.ballast.lb.EndpointState;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Passive ejection from real traffic, recovery through active probes, and readiness that follows them. */
@QuarkusTest
@TestProfile(HealthTest.Profile.class)
@QuarkusTestResource(value = Origins.class, restrictToAnnotatedClass = true)
class HealthTest extends GatewayTestBase {

    /** Where the gateway's active probes go. */
    static final String PROBE_PATH = "/healthz";

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = new HashMap<>();
            c.put("ballast.gateway.upstreams.probed.endpoints", "${test.origin.0},${test.origin.1},${test.origin.2}");
            c.put("ballast.gateway.upstreams.probed.passive.max-fails", "0");
            c.put("ballast.gateway.upstreams.probed.outlier.consecutive-5xx", "3");
            c.put("ballast.gateway.upstreams.probed.outlier.base-ejection-time", "5m");
            c.put("ballast.gateway.upstreams.probed.outlier.max-ejection-percent", "50");
            c.put("ballast.gateway.upstreams.probed.health.path", PROBE_PATH);
            c.put("ballast.gateway.upstreams.probed.health.interval", "100ms");
            c.put("ballast.gateway.upstreams.probed.health.timeout", "500ms");
            c.put("ballast.gateway.upstreams.probed.health.rise", "2");
            c.put("ballast.gateway.upstreams.probed.health.fall", "2");
            c.put("ballast.gateway.routes.probed.prefix", "/");
            c.put("ballast.gateway.routes.probed.upstream", "probed");
            c.put("ballast.gateway.upstreams.lonely.endpoints", "${test.origin.3}");
            c.put("ballast.gateway.upstreams.lonely.health.path", PROBE_PATH);
            c.put("ballast.gateway.upstreams.lonely.health.interval", "100ms");
            c.put("ballast.gateway.upstreams.lonely.health.fall", "1");
            c.put("ballast.gateway.upstreams.lonely.health.rise", "1");
            c.put("ballast.gateway.routes.lonely.prefix", "/lonely");
            c.put("ballast.gateway.routes.lonely.upstream", "lonely");
            return c;
        }
    }



    /** The management port (the URL's path carries an extra root prefix; only the port is used). */
    @TestHTTPResource(value = "/", management = true)
    URL ready;





    private EndpointState state(String upstream, Origin origin) {
        return runtime.upstreams().get(upstream).pool().state().endpoints().stream()
                .filter(e -> e.id().equals(origin.address())).findFirst().orElseThrow();
    }

    private int readiness() {
        try (GatewayClient management = new GatewayClient(ready.getPort())) {
            return management.get("/q/health/ready").status();
        }
    }

    @Test
    @DisplayName("an endpoint answering 500s is ejected by real traffic and brought back by passing probes")
    void passiveEjectionThenActiveRecovery() {
        Origin sick = origins.get(0);
        // Real traffic only: the probes (every 100 ms) keep coming however long the requests below take.
        AtomicInteger traffic = new AtomicInteger();
        sick.behave(request -> {
            if (!PROBE_PATH.equals(request.path())) {
                traffic.incrementAndGet();
            }
            request.response().setStatusCode(500).end("boom");
        });

        await().atMost(Duration.ofSeconds(10)).until(() -> {
            client.get("/v1/models");
            return !"healthy".equals(state("probed", sick).health());
        });
        int trafficWhileOut = traffic.get();
        for (int i = 0; i < 20; i++) {
            assertThat(new JsonObject(client.get("/v1/models").body()).getString("origin")).isNotEqualTo("origin-0");
        }
        // Only probes reach the sick endpoint while it is out; real traffic does not.
        assertThat(traffic.get() - trafficWhileOut).as("requests other than probes").isZero();

        sick.reset();

        await().atMost(Duration.ofSeconds(10)).until(() -> "healthy".equals(state("probed", sick).health()));
        await().atMost(Duration.ofSeconds(10)).until(() ->
                "origin-0".equals(new JsonObject(client.get("/v1/models").body()).getString("origin")));
    }

    @Test
    @DisplayName("readiness goes down when a route has no usable endpoint and up again when probes pass")
    void readinessFollowsRoutes() {
        await().atMost(Duration.ofSeconds(10)).until(() -> readiness() == 200);

        origins.get(3).kill();
        await().atMost(Duration.ofSeconds(10)).until(() -> readiness() == 503);
        // Panic mode (Envoy): with no healthy endpoint left the pool still tries them all, so the dead one
        // refuses the connection and the client gets a 502, not a 503.
        assertThat(client.get("/lonely/x").status()).isEqualTo(502);

        origins.get(3).revive();
        await().atMost(Duration.ofSeconds(10)).until(() -> readiness() == 200);
        assertThat(client.get("/lonely/x").status()).isEqualTo(200);
    }
}
