package dev.ballast.gateway.proxy;

import dev.ballast.gateway.testing.GatewayClient;
import dev.ballast.gateway.testing.GatewayClient.Reply;
import dev.ballast.gateway.testing.GatewayTestBase;
import dev.ballast.gateway.testing.Origins;
import dev.ballast.gateway.testing.RawConnection;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the traffic port does for the client around proxying: path normalisation before route matching,
 * {@code Expect: 100-continue}, upstreams that answer before the upload is over, and the client connection cap.
 */
@QuarkusTest
@TestProfile(ClientSideTest.Profile.class)
@QuarkusTestResource(value = Origins.class, restrictToAnnotatedClass = true)
class ClientSideTest extends GatewayTestBase {

    private static final int MAX_CONNECTIONS = 4;

    /** The gateway's meters are registered here, not in Quarkus' composite (GatewayMetrics.direct). */

    @Inject
    PrometheusMeterRegistry registry;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = new HashMap<>();
            c.put("ballast.gateway.upstreams.llm.endpoints", "${test.origin.0}");
            c.put("ballast.gateway.routes.openai.prefix", "/v1/");
            c.put("ballast.gateway.routes.openai.upstream", "llm");
            c.put("ballast.gateway.routes.openai.max-body-size", "1M");
            c.put("ballast.gateway.upstreams.ops.endpoints", "${test.origin.1}");
            c.put("ballast.gateway.routes.ops.prefix", "/ops/");
            c.put("ballast.gateway.routes.ops.upstream", "ops");
            c.put("ballast.gateway.upstreams.ollama.endpoints", "${test.origin.2}");
            c.put("ballast.gateway.routes.ollama.prefix", "/ollama/");
            c.put("ballast.gateway.routes.ollama.upstream", "ollama");
            c.put("ballast.gateway.routes.ollama.rewrite-prefix", "/api/");
            c.put("ballast.gateway.limits.max-connections", Integer.toString(MAX_CONNECTIONS));
            return c;
        }
    }

    // ---- path normalisation -------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} reaches {1} as {2}")
    @CsvSource({
            "//v1//models,             origin-0, /v1/models",
            "/v1/./models,             origin-0, /v1/models",
            "/v1/%2e%2e/ops/status,    origin-1, /ops/status",
            "/v1/x/../../ops/status,   origin-1, /ops/status",
            "/ollama/./tags?x=1,       origin-2, /api/tags?x=1",
            "/v1/models/a%2Fb,         origin-0, /v1/models/a%2Fb",
    })
    @DisplayName("a path is matched and forwarded in its normal form, so the upstream sees exactly what was matched")
    void normalisedBeforeMatching(String sent, String origin, String received) {
        Reply reply = client.get(sent);

        assertThat(reply.status()).isEqualTo(200);
        JsonObject echo = new JsonObject(reply.body());
        assertThat(echo.getString("origin")).isEqualTo(origin);
        assertThat(echo.getString("uri")).isEqualTo(received);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/../secret", "/v1/%2e%2e/secret", "/ollama/.%2E/secret"})
    @DisplayName("a traversal out of a route's prefix matches no route: 404, and no upstream sees it")
    void traversalOutOfPrefixIsUnmatched(String sent) {
        Reply reply = client.get(sent);

        assertThat(reply.status()).isEqualTo(404);
        assertThat(new JsonObject(reply.body()).getString("type")).endsWith("/no-route");
        origins.all().forEach(o -> assertThat(o.hits()).isZero());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/..%2f..%2fsecret", "/ollama/..%5Csecret", "/v1/../../secret", "/v1/%zz"})
    @DisplayName("a path that climbs above the root or hides '..' behind an encoded slash is a 400 problem")
    void traversalThroughEncodedSlashIsRefused(String sent) {
        Reply reply = client.get(sent);

        assertThat(reply.status()).isEqualTo(400);
        JsonObject problem = new JsonObject(reply.body());
        assertThat(problem.getString("type")).endsWith("/bad-path");
        assertThat(problem.getInteger("status")).isEqualTo(400);
        origins.all().forEach(o -> assertThat(o.hits()).isZero());
    }

    // ---- Expect: 100-continue ---------------------------------------------------------------------------------

    @ParameterizedTest(name = "body of {0} bytes")
    @ValueSource(ints = {1_000, 300_000})
    @DisplayName("Expect: 100-continue gets 100 Continue before the body is sent, then the body is proxied")
    void expectContinue(int size) throws Exception {
        RawConnection raw = RawConnection.open(client.vertx(), gateway.getPort());

        raw.write("POST /v1/completions HTTP/1.1\r\nHost: gw\r\nContent-Length: " + size
                + "\r\nExpect: 100-continue\r\n\r\n");
        raw.awaitText("HTTP/1.1 100 Continue\r\n\r\n");
        raw.write(Buffer.buffer(new byte[size]));

        raw.awaitText("\"bodyLength\":" + size);
        assertThat(raw.text()).contains("HTTP/1.1 200 OK").doesNotContain("expect");
        raw.close();
    }

    @Test
    @DisplayName("Expect: 100-continue with an announced length over the limit gets 413 at once, never 100 Continue")
    void expectContinueOverLimit() throws Exception {
        RawConnection raw = RawConnection.open(client.vertx(), gateway.getPort());

        raw.write("POST /v1/completions HTTP/1.1\r\nHost: gw\r\nContent-Length: 2000000\r\n"
                + "Expect: 100-continue\r\n\r\n");

        raw.awaitText("body-too-large");
        assertThat(raw.text()).startsWith("HTTP/1.1 413").doesNotContain("100 Continue");
        assertThat(origins.get(0).hits()).isZero();
        raw.close();
    }

    // ---- early answers -------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "upstream answers {0}")
    @ValueSource(ints = {413, 200})
    @DisplayName("an upstream answering while the client still uploads: the client gets that answer, nothing hangs")
    void upstreamAnswersEarly(int status) throws Exception {
        origins.get(0).behave(request -> request.response().setStatusCode(status).end("early"));
        RawConnection raw = RawConnection.open(client.vertx(), gateway.getPort());
        int size = 800_000;

        raw.write("POST /v1/uploads HTTP/1.1\r\nHost: gw\r\nContent-Length: " + size + "\r\n\r\n");
        raw.write(Buffer.buffer(new byte[200_000]));
        raw.awaitText("early");
        assertThat(raw.text()).startsWith("HTTP/1.1 " + status).containsIgnoringCase("connection: close");
        raw.write(Buffer.buffer(new byte[size - 200_000]));

        raw.awaitClosed();
        await().until(() -> totalInFlight() == 0);
        origins.get(0).behave(origins.get(0)::echo);
        assertThat(client.get("/v1/next").status()).as("the gateway and its upstream pool still work").isEqualTo(200);
    }

    // ---- connection cap ------------------------------------------------------------------------------------------

    @Test
    @DisplayName("connections beyond limits.max-connections are closed on arrival and counted; the rest keep working")
    void connectionCap() throws Exception {
        await().until(() -> gauge("ballast.gateway.client.connections") == 0);
        double refusedBefore = counter("ballast.gateway.client.connections.refused");
        List<RawConnection> open = new ArrayList<>();
        for (int i = 0; i < MAX_CONNECTIONS; i++) {
            open.add(RawConnection.open(client.vertx(), gateway.getPort()));
        }
        await().until(() -> gauge("ballast.gateway.client.connections") == MAX_CONNECTIONS);

        RawConnection refused = RawConnection.open(client.vertx(), gateway.getPort());

        refused.awaitClosed();
        assertThat(counter("ballast.gateway.client.connections.refused")).isEqualTo(refusedBefore + 1);
        RawConnection first = open.get(0);
        first.write("GET /v1/models HTTP/1.1\r\nHost: gw\r\n\r\n");
        first.awaitText("\"origin\":\"origin-0\"");
        open.forEach(RawConnection::close);
        await().until(() -> gauge("ballast.gateway.client.connections") == 0);
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    private double counter(String name) {
        return registry.get(name).functionCounter().count();
    }
}
