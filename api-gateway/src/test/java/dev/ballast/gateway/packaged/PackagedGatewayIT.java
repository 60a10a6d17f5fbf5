package dev.ballast.gateway.packaged;

import dev.ballast.testing.LoopbackPorts;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs against the packaged artifact (the JVM fast-jar, or the native executable with -Dnative), started with
 * no routes and no upstreams: health and metrics answer on the management port, and the traffic port (the gateway's
 * own listener) serves only configured routes (none), so everything there is a JSON 404. Quarkus' own HTTP server does
 * not listen, so RestAssured has no base URI here: plain JDK HTTP calls name their port.
 */
@QuarkusIntegrationTest
@TestProfile(PackagedGatewayIT.FreePorts.class)
class PackagedGatewayIT {

    /** The only overrides: free traffic and management ports this test can find. */
    public static class FreePorts implements QuarkusTestProfile {
        static final int TRAFFIC = LoopbackPorts.free();
        static final int MANAGEMENT = LoopbackPorts.free();

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ballast.gateway.server.port", Integer.toString(TRAFFIC),
                    "quarkus.management.port", Integer.toString(MANAGEMENT),
                    "quarkus.management.test-port", Integer.toString(MANAGEMENT));
        }

    }

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @DisplayName("the packaged gateway answers live, ready and started on the management port")
    void healthOnManagementPort() throws Exception {
        for (String check : new String[] {"live", "ready", "started"}) {
            HttpResponse<String> health = get(FreePorts.MANAGEMENT, "/q/health/" + check);
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(new JsonObject(health.body()).getString("status")).isEqualTo("UP");
        }
        HttpResponse<String> metrics = get(FreePorts.MANAGEMENT, "/q/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("jvm_").contains("ballast_gateway_client_connections");
    }

    @Test
    @DisplayName("the traffic port never serves health, metrics or admin: with no routes everything is a JSON 404")
    void trafficPortServesOnlyRoutes() throws Exception {
        for (String path : new String[] {"/q/health/live", "/q/metrics", "/admin/upstreams"}) {
            HttpResponse<String> response = get(FreePorts.TRAFFIC, path);
            assertThat(response.statusCode()).as(path).isEqualTo(404);
            assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                    type -> assertThat(type).contains("json"));
        }
    }
}
