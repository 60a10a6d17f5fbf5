package dev.ballast.gateway.discovery;

import dev.ballast.gateway.testing.GatewayClient;
import dev.ballast.gateway.testing.GatewayTestBase;
import dev.ballast.gateway.testing.Origins;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The API server goes away (every connection to it drops, new ones are refused): the last known endpoints keep
 * serving, readiness data and metrics say discovery is not synced, and when the API server is back the informer
 * lists again and follows new changes on its own.
 */
@QuarkusTest
@TestProfile(ApiServerOutageTest.Profile.class)
@QuarkusTestResource(value = Origins.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = CuttableApiServer.class, restrictToAnnotatedClass = true)
class ApiServerOutageTest extends GatewayTestBase {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = new HashMap<>();
            c.put("ballast.gateway.upstreams.pods.kubernetes.service", Slices.SERVICE);
            c.put("ballast.gateway.routes.all.prefix", "/");
            c.put("ballast.gateway.routes.all.upstream", "pods");
            // fabric8 backs off exponentially between reconnects; keep the first tries quick for the test.
            c.put("quarkus.kubernetes-client.watch-reconnect-interval", "PT0.1S");
            return c;
        }
    }

    @CuttableApiServer.Inject
    CuttableApiServer api;

    @TestHTTPResource(value = "/", management = true)
    URL management;

    @Test
    @DisplayName("with the API server stopped the last known endpoints serve and health says so; once it is back, "
            + "discovery resumes by itself")
    void lastKnownEndpointsServeWhileApiServerIsAway() throws Exception {
        put(Slices.ready("vllm-a", origins.get(0).port(), "pod-a"));
        await().atMost(Duration.ofSeconds(10)).until(() -> client.get("/v1/models").status() == 200);

        api.cut();

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(managementGet("/q/metrics"))
                .contains("ballast_gateway_discovery_synced{upstream=\"pods\"} 0.0"));
        assertThat(managementGet("/q/health/ready")).contains("kubernetes: not synced, last known endpoints serve")
                .contains("\"status\": \"UP\"");
        await().atMost(Duration.ofSeconds(20)).until(() -> !managementGet("/q/metrics")
                .contains("ballast_gateway_discovery_watch_errors_total{upstream=\"pods\"} 0.0"));
        for (int i = 0; i < 10; i++) {
            GatewayClient.Reply reply = client.get("/v1/models");
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.headers().get("x-origin")).isEqualTo(origins.get(0).name());
        }

        api.restore();
        put(Slices.ready("vllm-b", origins.get(1).port(), "pod-b"));

        await().atMost(Duration.ofSeconds(60)).until(() -> runtime.upstreams().get("pods").pool().endpoints().size() == 2);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(managementGet("/q/metrics"))
                .contains("ballast_gateway_discovery_synced{upstream=\"pods\"} 1.0"));
    }

    private String managementGet(String path) {
        return GatewayClient.body(management.getPort(), path);
    }

    private void put(EndpointSlice slice) {
        api.client().discovery().v1().endpointSlices().resource(slice)
                .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    }
}
