package dev.ballast.gateway.admin;

import dev.ballast.gateway.testing.GatewayClient;
import dev.ballast.gateway.testing.GatewayTestBase;
import dev.ballast.gateway.testing.GatewayClient.Reply;
import dev.ballast.gateway.testing.Origins;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URL;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The management port: admin API behind a bearer token, metrics, and nothing of it on the traffic port. */
@QuarkusTest
@TestProfile(ManagementPortTest.Profile.class)
@QuarkusTestResource(value = Origins.class, restrictToAnnotatedClass = true)
class ManagementPortTest extends GatewayTestBase {

    private static final String TOKEN = "Bearer s3cret";

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = new HashMap<>();
            c.put("ballast.gateway.upstreams.llm.endpoints", "${test.origin.0},${test.origin.1}");
            c.put("ballast.gateway.upstreams.llm.strategy", "least-request");
            c.put("ballast.gateway.routes.chat.prefix", "/");
            c.put("ballast.gateway.routes.chat.upstream", "llm");
            c.put("ballast.gateway.admin.token", "s3cret");
            return c;
        }
    }



    @TestHTTPResource(value = "/", management = true)
    URL management;

    GatewayClient admin;

    @BeforeEach
    void connectToManagement() {
        admin = new GatewayClient(management.getPort());
    }

    @AfterEach
    void closeManagement() {
        admin.close();
    }

    private Reply adminCall(HttpMethod method, String path, String authorization) {
        Map<String, String> headers = authorization == null ? Map.of() : Map.of("Authorization", authorization);
        return admin.send(method, path, headers, null, false);
    }

    @ParameterizedTest(name = "{0} {1} with authorization ''{2}'' is {3}")
    @CsvSource(nullValues = "-", value = {
            "GET,  /admin/upstreams, -,                  401",
            "GET,  /admin/upstreams, Bearer wrong,       401",
            "GET,  /admin/routes,    Basic czNjcmV0,     401",
            "POST, /admin/upstreams/llm/endpoints/x/drain, -, 401",
            "GET,  /admin/upstreams, Bearer s3cret,      200",
            "GET,  /admin/routes,    Bearer s3cret,      200",
    })
    void adminNeedsTheBearerToken(HttpMethod method, String path, String authorization, int status) {
        Reply reply = adminCall(method, path, authorization);

        assertThat(reply.status()).isEqualTo(status);
        if (status == 401) {
            assertThat(new JsonObject(reply.body()).getString("type")).endsWith("/unauthorized");
        }
    }

    @Test
    @DisplayName("GET /admin/upstreams shows every endpoint with its state, weights and in-flight count")
    void upstreamsState() {
        JsonObject llm = new JsonObject(adminCall(HttpMethod.GET, "/admin/upstreams", TOKEN).body())
                .getJsonArray("upstreams").getJsonObject(0);

        assertThat(llm.getString("name")).isEqualTo("llm");
        assertThat(llm.getString("strategy")).isNotBlank();
        assertThat(llm.getBoolean("panic")).isFalse();
        assertThat(llm.getInteger("usable")).isEqualTo(2);
        JsonObject endpoint = llm.getJsonArray("endpoints").getJsonObject(0);
        assertThat(endpoint.fieldNames()).contains("id", "health", "draining", "ejectedUntil", "weight",
                "effectiveWeight", "inFlight", "consecutiveFailures");
        assertThat(endpoint.getString("health")).isEqualTo("healthy");
    }

    @Test
    @DisplayName("GET /admin/routes lists routes with their upstream, timeouts and retries")
    void routes() {
        JsonObject chat = new JsonObject(adminCall(HttpMethod.GET, "/admin/routes", TOKEN).body())
                .getJsonArray("routes").getJsonObject(0);

        assertThat(chat.getString("name")).isEqualTo("chat");
        assertThat(chat.getString("upstream")).isEqualTo("llm");
        assertThat(chat.getJsonObject("retries").getInteger("maxTries")).isEqualTo(3);
    }

    @Test
    @DisplayName("drain moves all traffic off an endpoint; undrain brings it back")
    void drainAndUndrain() {
        String endpoint = origins.get(0).address();

        Reply drained = adminCall(HttpMethod.POST, "/admin/upstreams/llm/endpoints/" + endpoint + "/drain", TOKEN);
        assertThat(drained.status()).isEqualTo(200);
        for (int i = 0; i < 10; i++) {
            assertThat(new JsonObject(client.get("/x").body()).getString("origin")).isEqualTo("origin-1");
        }

        Reply undrained = adminCall(HttpMethod.POST, "/admin/upstreams/llm/endpoints/" + endpoint + "/undrain",
                TOKEN);
        assertThat(undrained.status()).isEqualTo(200);
        int before = origins.get(0).hits();
        for (int i = 0; i < 20; i++) {
            client.get("/x");
        }
        assertThat(origins.get(0).hits()).isGreaterThan(before);
    }

    @Test
    @DisplayName("draining an unknown upstream or endpoint is a 404 problem and changes nothing")
    void drainUnknown() {
        Reply upstream = adminCall(HttpMethod.POST, "/admin/upstreams/nope/endpoints/x/drain", TOKEN);
        Reply endpoint = adminCall(HttpMethod.POST, "/admin/upstreams/llm/endpoints/10.9.9.9:1/drain", TOKEN);

        assertThat(upstream.status()).isEqualTo(404);
        assertThat(new JsonObject(upstream.body()).getString("type")).endsWith("/unknown-upstream");
        assertThat(endpoint.status()).isEqualTo(404);
        assertThat(new JsonObject(endpoint.body()).getString("type")).endsWith("/unknown-endpoint");
        assertThat(new JsonObject(adminCall(HttpMethod.GET, "/admin/upstreams", TOKEN).body())
                .getJsonArray("upstreams").getJsonObject(0).getInteger("usable")).isEqualTo(2);
    }

    @Test
    @DisplayName("metrics use route and upstream labels, never raw paths")
    void metricsHaveBoundedLabels() {
        client.get("/v1/chat/completions/some-unique-id-123");

        String metrics = admin.get("/q/metrics").body();

        assertThat(metrics).contains("ballast_gateway_requests_total{route=\"chat\",status_class=\"2xx\","
                + "upstream=\"llm\"}");
        assertThat(metrics).contains("ballast_gateway_request_duration_seconds_bucket");
        assertThat(metrics).contains("ballast_gateway_time_to_first_byte_seconds_count");
        assertThat(metrics).contains("ballast_gateway_endpoint_in_flight{endpoint=\"" + origins.get(0).address());
        assertThat(metrics).contains("ballast_gateway_endpoint_healthy");
        assertThat(metrics).contains("ballast_gateway_circuit_breaker_rejections_total{upstream=\"llm\"}");
        assertThat(metrics).contains("ballast_gateway_response_body_bytes_total");
        assertThat(metrics).doesNotContain("some-unique-id-123");
    }

    @Test
    @DisplayName("the per-endpoint healthy gauge reads each endpoint's own state: 0 while drained, 1 otherwise")
    void endpointHealthGaugeFollowsEachEndpoint() {
        String drainedId = origins.get(0).address();
        String otherId = origins.get(1).address();
        assertThat(healthyGauge(drainedId)).isEqualTo("1.0");

        adminCall(HttpMethod.POST, "/admin/upstreams/llm/endpoints/" + drainedId + "/drain", TOKEN);
        String whileDrained = healthyGauge(drainedId);
        String otherWhileDrained = healthyGauge(otherId);
        adminCall(HttpMethod.POST, "/admin/upstreams/llm/endpoints/" + drainedId + "/undrain", TOKEN);

        assertThat(whileDrained).isEqualTo("0.0");
        assertThat(otherWhileDrained).isEqualTo("1.0");
        assertThat(healthyGauge(drainedId)).isEqualTo("1.0");
    }

    private String healthyGauge(String endpointId) {
        String prefix = "ballast_gateway_endpoint_healthy{endpoint=\"" + endpointId + "\",upstream=\"llm\"} ";
        return admin.get("/q/metrics").body().lines().filter(line -> line.startsWith(prefix))
                .map(line -> line.substring(prefix.length())).findFirst()
                .orElseThrow(() -> new AssertionError("no healthy gauge for " + endpointId));
    }

    @Test
    @DisplayName("the traffic port does not serve health, metrics or admin: they are proxied like any path")
    void trafficPortServesOnlyRoutes() {
        String seen = new JsonObject(client.get("/admin/upstreams").body()).getString("origin");

        assertThat(seen).startsWith("origin-");
    }
}
