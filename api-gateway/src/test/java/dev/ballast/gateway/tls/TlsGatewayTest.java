package dev.ballast.gateway.tls;

import dev.ballast.gateway.testing.GatewayTestBase;
import dev.ballast.gateway.testing.Origins;
import dev.ballast.testing.TestCertificates;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole gateway with TLS on its traffic port, over real TLS on loopback: proxying, certificate reloads and the
 * HTTP redirect listener (TLS to upstreams: {@link UpstreamTlsProxyTest}).
 */
@QuarkusTest
@TestProfile(TlsGatewayTest.Profile.class)
@QuarkusTestResource(value = Origins.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TlsOrigins.class, restrictToAnnotatedClass = true)
class TlsGatewayTest extends GatewayTestBase {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = new HashMap<>();
            c.put("ballast.gateway.tls.enabled", "true");
            c.put("ballast.gateway.tls.cert-file", "${test.tls.cert}");
            c.put("ballast.gateway.tls.key-file", "${test.tls.key}");
            c.put("ballast.gateway.tls.reload-interval", "100ms");
            c.put("ballast.gateway.tls.redirect-http.enabled", "true");
            c.put("ballast.gateway.tls.redirect-http.port", "${test.tls.redirect-port}");
            c.put("ballast.gateway.upstreams.plain.endpoints", "${test.origin.0}");
            c.put("ballast.gateway.routes.plain.prefix", "/plain/");
            c.put("ballast.gateway.routes.plain.upstream", "plain");
            return c;
        }
    }

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "test.tls.redirect-port")
    int redirectPort;

    private final HttpClient https = TlsClients.https(TestPki.CA.caFile());

    @Test
    @DisplayName("an HTTPS request is proxied to a plain-HTTP upstream, which learns the client spoke https")
    void httpsToPlainUpstream() throws Exception {
        HttpResponse<String> response = get("/plain/v1/models?x=1");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject echo = new JsonObject(response.body());
        assertThat(echo.getString("uri")).isEqualTo("/plain/v1/models?x=1");
        assertThat(echo.getJsonObject("headers").getString("x-forwarded-proto")).isEqualTo("https");
    }

    @Test
    @DisplayName("replaced certificate files: new handshakes present the new certificate, a request in flight completes")
    void certificateReload() throws Exception {
        TestCertificates.Issued next = served() == TestPki.FIRST ? TestPki.SECOND : TestPki.FIRST;
        CountDownLatch arrived = new CountDownLatch(1);
        CompletableFuture<Void> release = new CompletableFuture<>();
        origins.get(0).behave(request -> {
            var context = io.vertx.core.Vertx.currentContext();
            arrived.countDown();
            release.thenRun(() -> context.runOnContext(v -> request.response().end("held")));
        });
        double reloads = reloads("success");
        CompletableFuture<HttpResponse<String>> inFlight = https.sendAsync(request("/plain/held"),
                HttpResponse.BodyHandlers.ofString());
        assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();

        TlsOrigins.mount(next);
        await().atMost(Duration.ofSeconds(10)).until(() -> reloads("success") > reloads);
        release.complete(null);

        assertThat(inFlight.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(inFlight.get().body()).isEqualTo("held");
        assertThat(serial(presented())).isEqualTo(serial(next.certificate()));
        assertThat(get("/plain/after").statusCode()).isEqualTo(200);
        assertThat(registry.get("ballast.gateway.tls.certificate.expiry.timestamp").gauge().value())
                .isEqualTo(next.certificate().getNotAfter().toInstant().getEpochSecond());
    }

    @Test
    @DisplayName("a broken replacement is counted as a failed reload and the old certificate keeps serving")
    void brokenReplacement() throws Exception {
        TestCertificates.Issued current = served();
        double failures = reloads("failure");

        Files.writeString(TlsOrigins.secret.resolve("tls.key"), "-----BEGIN PRIVATE KEY-----\nbroken\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> reloads("failure") > failures);

        assertThat(serial(presented())).isEqualTo(serial(current.certificate()));
        assertThat(get("/plain/still-fine").statusCode()).isEqualTo(200);
        TlsOrigins.mount(current); // the Secret is fixed: back to what is served, nothing to reload
    }

    @Test
    @DisplayName("plain HTTP on the redirect port gets 308 to the same path and query on the HTTPS traffic port")
    void redirectToHttps() throws Exception {
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).build()
                .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + redirectPort + "/plain/a?b=c")).build(),
                        HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(308);
        assertThat(response.headers().firstValue("location"))
                .hasValue("https://127.0.0.1:" + runtime.trafficPort() + "/plain/a?b=c");
        assertThat(origins.get(0).hits()).isZero();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return https.send(request(path), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(String path) {
        return HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + runtime.trafficPort() + path))
                .timeout(Duration.ofSeconds(20)).build();
    }

    private X509Certificate presented() {
        return TlsClients.presented(runtime.trafficPort(), TestPki.CA.caFile());
    }

    /** Which of the two test certificates the gateway serves now (earlier tests may have swapped them). */
    private TestCertificates.Issued served() {
        return serial(presented()).equals(serial(TestPki.FIRST.certificate())) ? TestPki.FIRST : TestPki.SECOND;
    }

    private double reloads(String result) {
        return registry.get("ballast.gateway.tls.reloads").tag("result", result).counter().count();
    }

    private static String serial(X509Certificate certificate) {
        return certificate.getSerialNumber().toString(16);
    }
}
