package dev.ballast.gateway.proxy;

import dev.ballast.gateway.testing.GatewayClient.Reply;
import dev.ballast.gateway.testing.GatewayTestBase;
import dev.ballast.gateway.testing.Origins;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code client-ip.header=forwarded}: behind proxies that write RFC 7239 Forwarded, only its for= is believed and an
 * X-Forwarded-For (passed through from the client) is not. Rate limits show which client a request was counted for,
 * as in {@link ClientIpTest}.
 */
@QuarkusTest
@TestProfile(ClientIpForwardedTest.Profile.class)
@QuarkusTestResource(value = Origins.class, restrictToAnnotatedClass = true)
class ClientIpForwardedTest extends GatewayTestBase {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = ClientIpTest.limitedEchoRoute();
            c.put("ballast.gateway.client-ip.trusted-proxies", "127.0.0.1");
            c.put("ballast.gateway.client-ip.header", "forwarded");
            return c;
        }
    }

    @Test
    @DisplayName("the client is Forwarded's for=; an X-Forwarded-For the client sent along is ignored")
    void onlyForwardedIsBelieved() {
        Reply reply = send(Map.of("Forwarded", "for=203.0.113.81;proto=https", "X-Forwarded-For", "6.6.6.8"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(send(Map.of("Forwarded", "for=203.0.113.81")).status()).isEqualTo(429);
        assertThat(send(Map.of("Forwarded", "for=6.6.6.8")).status()).isEqualTo(200);
    }

    @Test
    @DisplayName("an X-Forwarded-For alone does not speak for the client: the request counts for the peer")
    void xForwardedForAloneIsIgnored() {
        assertThat(send(Map.of("X-Forwarded-For", "203.0.113.82")).status()).isEqualTo(200);
        assertThat(send(Map.of("Forwarded", "for=203.0.113.82")).status()).isEqualTo(200);
        assertThat(send(Map.of("X-Forwarded-For", "203.0.113.83")).status()).isEqualTo(429);
    }

    private Reply send(Map<String, String> headers) {
        return client.send(HttpMethod.GET, "/limited/x", headers, null, false);
    }
}
