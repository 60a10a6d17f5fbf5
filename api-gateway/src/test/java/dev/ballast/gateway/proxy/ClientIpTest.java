package dev.ballast.gateway.proxy;

import dev.ballast.gateway.testing.GatewayClient.Reply;
import dev.ballast.gateway.testing.GatewayTestBase;
import dev.ballast.gateway.testing.Origins;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client address the gateway keys rate limits and ip-hash on, behind a trusted proxy (the loopback test client
 * plays one). Rate limits (1/h, burst 1, decided locally: the test Redis is unreachable) show which client a request
 * was counted for: a second request from the same client gets 429.
 */
@QuarkusTest
@TestProfile(ClientIpTest.Profile.class)
@QuarkusTestResource(value = Origins.class, restrictToAnnotatedClass = true)
class ClientIpTest extends GatewayTestBase {

    /** An upstream "echo" on the first origin and a route /limited/ to it: 1/h, burst 1, so a repeat gets 429. */
    static Map<String, String> limitedEchoRoute() {
        Map<String, String> c = new HashMap<>();
            c.put("ballast.gateway.upstreams.echo.endpoints", "${test.origin.0}");
            c.put("ballast.gateway.routes.limited.prefix", "/limited/");
            c.put("ballast.gateway.routes.limited.upstream", "echo");
            c.put("ballast.gateway.routes.limited.rate-limit.rate", "1/h");
            c.put("ballast.gateway.routes.limited.rate-limit.burst", "1");
        return c;
    }

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = ClientIpTest.limitedEchoRoute();
            c.put("ballast.gateway.upstreams.hashed.endpoints", "${test.origin.0},${test.origin.1},${test.origin.2}");
            c.put("ballast.gateway.upstreams.hashed.strategy", "ip-hash");
            c.put("ballast.gateway.routes.hashed.prefix", "/hashed/");
            c.put("ballast.gateway.routes.hashed.upstream", "hashed");
            c.put("ballast.gateway.client-ip.trusted-proxies", "127.0.0.1");
            return c;
        }
    }

    @Test
    @DisplayName("X-Forwarded-For in two lines (the client's, then the one HAProxy adds) counts the proxy's last hop")
    void everyXForwardedForLineIsReadForTheRateLimitKey() throws IOException {
        String reply = rawRequest("/limited/x", "X-Forwarded-For: 6.6.6.1\r\nX-Forwarded-For: 203.0.113.71\r\n");

        assertThat(reply).startsWith("HTTP/1.1 200");
        assertThat(claiming("/limited/x", "203.0.113.71").status()).isEqualTo(429);
        assertThat(claiming("/limited/x", "6.6.6.1").status()).isEqualTo(200);
    }

    @Test
    @DisplayName("X-Forwarded-For in two lines: ip-hash places the request by the proxy's last hop, not the client's")
    void everyXForwardedForLineIsReadForIpHash() throws IOException {
        String real = "203.0.113.7";
        String home = originFor(real);
        String spoofed = List.of("6.6.6.6", "198.51.100.1", "192.0.2.1", "100.64.0.1", "8.8.8.8", "1.1.1.1").stream()
                .filter(candidate -> !originFor(candidate).equals(home)).findFirst().orElseThrow();

        String reply = rawRequest("/hashed/x", "X-Forwarded-For: " + spoofed + "\r\nX-Forwarded-For: " + real + "\r\n");

        assertThat(echo(reply).getString("origin")).isEqualTo(home);
    }

    @Test
    @DisplayName("X-Forwarded-For and Forwarded in several lines go upstream as one line each, every hop in order")
    void everyLineIsForwardedUpstream() throws IOException {
        String reply = rawRequest("/hashed/x", "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-For: 203.0.113.7, 10.0.0.9\r\n"
                + "Forwarded: for=6.6.6.6\r\nForwarded: for=203.0.113.7\r\n");

        JsonObject seen = echo(reply).getJsonObject("headers");
        assertThat(seen.getString("x-forwarded-for")).isEqualTo("6.6.6.6, 203.0.113.7, 10.0.0.9, 127.0.0.1");
        assertThat(seen.getString("forwarded"))
                .isEqualTo("for=6.6.6.6, for=203.0.113.7, for=127.0.0.1;proto=http;host=\"gateway.test\"");
    }

    @Test
    @DisplayName("only X-Forwarded-For is believed by default: a client's Forwarded, passed on by the proxy, is not")
    void aClientsForwardedIsIgnoredByDefault() {
        Reply reply = client.send(HttpMethod.GET, "/limited/x",
                Map.of("X-Forwarded-For", "203.0.113.72", "Forwarded", "for=6.6.6.2"), null, false);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(claiming("/limited/x", "203.0.113.72").status()).isEqualTo(429);
        assertThat(claiming("/limited/x", "6.6.6.2").status()).isEqualTo(200);
    }

    @Test
    @DisplayName("a Forwarded without for= does not throw away the X-Forwarded-For client")
    void aForwardedWithoutForDoesNotHideTheClient() {
        Reply reply = client.send(HttpMethod.GET, "/limited/x",
                Map.of("X-Forwarded-For", "203.0.113.73", "Forwarded", "proto=https"), null, false);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(claiming("/limited/x", "203.0.113.73").status()).isEqualTo(429);
    }

    private String originFor(String claimedClient) {
        Reply reply = claiming("/hashed/x", claimedClient);
        assertThat(reply.status()).isEqualTo(200);
        return new JsonObject(reply.body()).getString("origin");
    }

    private Reply claiming(String path, String claimedClient) {
        return client.send(HttpMethod.GET, path, Map.of("X-Forwarded-For", claimedClient), null, false);
    }

    /** One GET over a plain socket, which can send a header as two lines (HTTP clients merge them); the reply. */
    private String rawRequest(String path, String headerLines) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", gateway.getPort())) {
            socket.setSoTimeout(10_000);
            String request = "GET " + path + " HTTP/1.1\r\nHost: gateway.test\r\n" + headerLines
                    + "Connection: close\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static JsonObject echo(String reply) {
        assertThat(reply).startsWith("HTTP/1.1 200");
        return new JsonObject(reply.substring(reply.indexOf('{'), reply.lastIndexOf('}') + 1));
    }
}
