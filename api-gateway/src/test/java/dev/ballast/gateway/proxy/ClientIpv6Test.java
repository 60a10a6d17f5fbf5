package dev.ballast.gateway.proxy;

import dev.ballast.gateway.testing.GatewayTestBase;
import dev.ballast.gateway.testing.Origins;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client on IPv6 loopback, which Java reports as "0:0:0:0:0:0:0:1" (with a "%0" zone on some transports): the
 * gateway keys it, and writes it upstream, as "::1" whether or not a forwarding header came along. The traffic
 * port listens on ::1 only; where IPv6 loopback is missing it stays on 127.0.0.1 and the tests fail, saying so.
 */
@QuarkusTest
@TestProfile(ClientIpv6Test.Profile.class)
@QuarkusTestResource(value = Origins.class, restrictToAnnotatedClass = true)
class ClientIpv6Test extends GatewayTestBase {

    static final boolean IPV6_LOOPBACK = ipv6Loopback();

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = ClientIpTest.limitedEchoRoute();
            c.put("ballast.gateway.server.host", IPV6_LOOPBACK ? "::1" : "127.0.0.1");
            c.put("ballast.gateway.routes.open.prefix", "/open/");
            c.put("ballast.gateway.routes.open.upstream", "echo");
            // Some proxy is trusted, so forwarding headers are read; ::1 is not that proxy, so they are ignored.
            c.put("ballast.gateway.client-ip.trusted-proxies", "fd00::/8");
            return c;
        }
    }

    @BeforeEach
    void needsIpv6Loopback() {
        // Fails rather than skips: a skipped test would read as a pass.
        assertThat(IPV6_LOOPBACK).as("this test needs IPv6 loopback (::1): enable it with "
                + "'sysctl -w net.ipv6.conf.lo.disable_ipv6=0'").isTrue();
    }

    @Test
    @DisplayName("an IPv6 client has one rate-limit budget, with or without an (ignored) X-Forwarded-For")
    void oneBudgetWithOrWithoutAForwardingHeader() throws IOException {
        assertThat(request("/limited/x", "")).startsWith("HTTP/1.1 200");
        assertThat(request("/limited/x", "X-Forwarded-For: 203.0.113.9\r\n")).startsWith("HTTP/1.1 429");
    }

    @Test
    @DisplayName("the IPv6 peer is appended upstream as ::1 in X-Forwarded-For and Forwarded")
    void thePeerGoesUpstreamInCanonicalForm() throws IOException {
        String reply = request("/open/x", "");

        assertThat(reply).startsWith("HTTP/1.1 200");
        JsonObject seen = new JsonObject(reply.substring(reply.indexOf('{'), reply.lastIndexOf('}') + 1))
                .getJsonObject("headers");
        assertThat(seen.getString("x-forwarded-for")).isEqualTo("::1");
        assertThat(seen.getString("forwarded")).isEqualTo("for=\"[::1]\";proto=http;host=\"gateway.test\"");
    }

    /** One GET from [::1] over a plain socket; the reply. */
    private String request(String path, String headerLines) throws IOException {
        try (Socket socket = new Socket(InetAddress.getByName("::1"), runtime.trafficPort())) {
            socket.setSoTimeout(10_000);
            String request = "GET " + path + " HTTP/1.1\r\nHost: gateway.test\r\n" + headerLines
                    + "Connection: close\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static boolean ipv6Loopback() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("::1"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
