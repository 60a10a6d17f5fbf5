package dev.ballast.gateway.tls;

import dev.ballast.gateway.testing.GatewayClient.Reply;
import dev.ballast.gateway.testing.GatewayTestBase;
import dev.ballast.gateway.testing.Origins;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The gateway proxying to HTTPS origins on loopback: one the trust store vouches for, one it does not. */
@QuarkusTest
@TestProfile(UpstreamTlsProxyTest.Profile.class)
@QuarkusTestResource(value = Origins.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TlsOrigins.class, restrictToAnnotatedClass = true)
class UpstreamTlsProxyTest extends GatewayTestBase {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = new HashMap<>();
            c.put("ballast.gateway.upstreams.secure.endpoints", "${test.tls-origin.trusted}");
            c.put("ballast.gateway.upstreams.secure.tls.enabled", "true");
            c.put("ballast.gateway.upstreams.secure.tls.trust-store-file", "${test.tls.ca}");
            c.put("ballast.gateway.upstreams.secure.health.path", "/health");
            c.put("ballast.gateway.upstreams.secure.health.interval", "100ms");
            c.put("ballast.gateway.upstreams.secure.health.initial-healthy", "false");
            c.put("ballast.gateway.upstreams.secure.health.rise", "1");
            c.put("ballast.gateway.routes.secure.prefix", "/secure/");
            c.put("ballast.gateway.routes.secure.upstream", "secure");
            c.put("ballast.gateway.upstreams.named.endpoints", "${test.tls-origin.trusted}");
            c.put("ballast.gateway.upstreams.named.tls.enabled", "true");
            c.put("ballast.gateway.upstreams.named.tls.trust-store-file", "${test.tls.ca}");
            c.put("ballast.gateway.upstreams.named.tls.server-name", "localhost");
            c.put("ballast.gateway.routes.named.prefix", "/named/");
            c.put("ballast.gateway.routes.named.upstream", "named");
            c.put("ballast.gateway.upstreams.untrusted.endpoints", "${test.tls-origin.untrusted}");
            c.put("ballast.gateway.upstreams.untrusted.tls.enabled", "true");
            c.put("ballast.gateway.upstreams.untrusted.tls.trust-store-file", "${test.tls.ca}");
            c.put("ballast.gateway.routes.untrusted.prefix", "/untrusted/");
            c.put("ballast.gateway.routes.untrusted.upstream", "untrusted");
            // A certificate the trust store vouches for, checked against a name it does not carry: refused, unless
            // verify-hostname is off.
            c.put("ballast.gateway.upstreams.misnamed.endpoints", "${test.tls-origin.trusted}");
            c.put("ballast.gateway.upstreams.misnamed.tls.enabled", "true");
            c.put("ballast.gateway.upstreams.misnamed.tls.trust-store-file", "${test.tls.ca}");
            c.put("ballast.gateway.upstreams.misnamed.tls.server-name", "not-in-the-certificate.example");
            c.put("ballast.gateway.routes.misnamed.prefix", "/misnamed/");
            c.put("ballast.gateway.routes.misnamed.upstream", "misnamed");
            c.put("ballast.gateway.upstreams.unchecked.endpoints", "${test.tls-origin.trusted}");
            c.put("ballast.gateway.upstreams.unchecked.tls.enabled", "true");
            c.put("ballast.gateway.upstreams.unchecked.tls.trust-store-file", "${test.tls.ca}");
            c.put("ballast.gateway.upstreams.unchecked.tls.server-name", "not-in-the-certificate.example");
            c.put("ballast.gateway.upstreams.unchecked.tls.verify-hostname", "false");
            c.put("ballast.gateway.routes.unchecked.prefix", "/unchecked/");
            c.put("ballast.gateway.routes.unchecked.upstream", "unchecked");
            c.put("ballast.gateway.readiness.mode", "always");
            return c;
        }
    }

    @Test
    @DisplayName("an upstream over TLS whose certificate the trust store vouches for is proxied to, and probed over TLS")
    void trustedUpstream() {
        await().atMost(Duration.ofSeconds(10)).until(() -> securePoolHealthy("secure"));

        Reply reply = client.get("/secure/v1/models");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo("trusted-origin");
    }

    @Test
    @DisplayName("a server-name the certificate names is sent as SNI and verified instead of the endpoint address")
    void serverName() {
        Reply reply = client.get("/named/v1/models");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo("trusted-origin");
    }

    @Test
    @DisplayName("an upstream whose certificate is not trusted gets a 502 problem that reveals no internals")
    void untrustedUpstream() {
        Reply reply = client.get("/untrusted/v1/models");

        assertThat(reply.status()).isEqualTo(502);
        assertThat(reply.headers().get("content-type")).isEqualTo("application/problem+json");
        JsonObject problem = new JsonObject(reply.body());
        assertThat(problem.getString("type")).isEqualTo("https://ballast.dev/problems/upstream-failure");
        assertThat(problem.getInteger("status")).isEqualTo(502);
        assertThat(problem.getString("route")).isEqualTo("untrusted");
        assertThat(reply.body()).doesNotContain("127.0.0.1").doesNotContainIgnoringCase("certificate")
                .doesNotContain("PKIX").doesNotContain("Exception");
    }

    @Test
    @DisplayName("a trusted certificate that does not name the server-name is refused (502) unless verify-hostname "
            + "is off")
    void hostnameVerification() {
        Reply misnamed = client.get("/misnamed/v1/models");
        Reply unchecked = client.get("/unchecked/v1/models");

        assertThat(misnamed.status()).isEqualTo(502);
        assertThat(unchecked.status()).isEqualTo(200);
        assertThat(unchecked.body()).isEqualTo("trusted-origin");
    }

    /** Endpoints start unhealthy (initial-healthy=false): only a probe that passed over TLS makes them usable. */
    private boolean securePoolHealthy(String upstream) {
        var state = runtime.upstreams().get(upstream).pool().state();
        return state.total() > 0 && state.usable() == state.total();
    }
}
