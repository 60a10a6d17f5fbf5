package dev.ballast.gateway.tls;

import dev.ballast.gateway.config.GatewaySettingsTestSupport;
import dev.ballast.gateway.config.InvalidGatewayConfigException;
import dev.ballast.testing.TestCertificates;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Upstream TLS settings, checked, and applied to a Vert.x client talking to real HTTPS origins on loopback. */
class UpstreamTlsTest {

    private static final String KEY = "ballast.gateway.upstreams.llm.tls.";

    private static Vertx vertx;
    /** Origin serving a certificate from the test CA (SAN localhost, 127.0.0.1). */
    private static int trustedOrigin;
    /** Origin serving a self-signed certificate. */
    private static int selfSignedOrigin;

    @BeforeAll
    static void startOrigins() throws Exception {
        vertx = Vertx.vertx();
        trustedOrigin = origin(TestPki.FIRST);
        selfSignedOrigin = origin(TestPki.selfSigned());
    }

    @AfterAll
    static void stop() {
        vertx.close();
    }

    private static UpstreamTls tls(Map<String, String> tlsKeys) {
        Map<String, String> properties = new HashMap<>();
        properties.put("ballast.gateway.upstreams.llm.endpoints", "127.0.0.1:1");
        tlsKeys.forEach((key, value) -> properties.put(KEY + key, value));
        return UpstreamTls.from("llm", GatewaySettingsTestSupport.config(properties).upstreams().get("llm").tls());
    }

    @Test
    @DisplayName("without tls keys an upstream is plain HTTP and its client options are left alone")
    void plainByDefault() {
        UpstreamTls tls = tls(Map.of());

        assertThat(tls).isEqualTo(UpstreamTls.PLAIN);
        assertThat(tls.applyTo(new HttpClientOptions()).isSsl()).isFalse();
    }

    @Test
    @DisplayName("with tls enabled the chain and the endpoint's own host are verified against the JVM's trust")
    void verifiedByDefault() {
        UpstreamTls tls = tls(Map.of("enabled", "true"));

        HttpClientOptions options = tls.applyTo(new HttpClientOptions());
        assertThat(options.isSsl()).isTrue();
        assertThat(options.isVerifyHost()).isTrue();
        assertThat(options.isTrustAll()).isFalse();
        assertThat(options.getTrustOptions()).isNull();
        assertThat(tls.target(new RequestOptions(), SocketAddress.inetSocketAddress(8000, "10.0.0.1")).getHost())
                .isNull();
    }

    @Test
    @DisplayName("a server-name becomes the request's host (SNI and verification) while the connection goes to the endpoint")
    void serverNameTargetsEndpoint() {
        UpstreamTls tls = tls(Map.of("enabled", "true", "server-name", "vllm.models.svc"));

        RequestOptions options = tls.target(new RequestOptions(), SocketAddress.inetSocketAddress(8000, "10.0.0.1"));

        assertThat(options.getHost()).isEqualTo("vllm.models.svc");
        assertThat(options.getPort()).isEqualTo(8000);
        assertThat(options.getServer()).isEqualTo(SocketAddress.inetSocketAddress(8000, "10.0.0.1"));
    }

    @Test
    @DisplayName("the same trust store read twice is the same setting (a config reload changes nothing), and the "
            + "password never shows in logs")
    void equalityAndToString() {
        Map<String, String> keys = Map.of("enabled", "true",
                "trust-store-file", TestPki.CA.caPkcs12("s3cret").toString(), "trust-store-password", "s3cret");

        UpstreamTls first = tls(keys);
        UpstreamTls second = tls(keys);

        assertThat(first).isEqualTo(second).hasSameHashCodeAs(second);
        assertThat(first).isNotEqualTo(tls(Map.of("enabled", "true")));
        assertThat(first.toString()).doesNotContain("s3cret").contains("PKCS#12");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "trusted by the PEM CA bundle               | trusted     | pem    |                 | true  | false | true",
            "trusted by the PKCS#12 CA store            | trusted     | pkcs12 |                 | true  | false | true",
            "self-signed origin refused                 | self-signed | pem    |                 | true  | false | false",
            "self-signed origin refused by JVM trust    | self-signed | none   |                 | true  | false | false",
            "server-name in the certificate accepted    | trusted     | pem    | localhost       | true  | false | true",
            "name not in the certificate refused        | trusted     | pem    | api.example.com | true  | false | false",
            "name not checked with verify-hostname off  | trusted     | pem    | api.example.com | false | false | true",
            "anything accepted with insecure-skip-verify | self-signed | none  |                 | true  | true  | true"})
    @DisplayName("a proxied-style request (connecting to the endpoint address) succeeds only when the chain and name check out")
    void handshake(String scenario, String origin, String trust, String serverName, boolean verifyHostname,
                   boolean insecure, boolean succeeds) throws Exception {
        Map<String, String> keys = new HashMap<>(Map.of("enabled", "true",
                "verify-hostname", String.valueOf(verifyHostname), "insecure-skip-verify", String.valueOf(insecure)));
        if (trust.equals("pem")) {
            keys.put("trust-store-file", TestPki.CA.caFile().toString());
        } else if (trust.equals("pkcs12")) {
            keys.put("trust-store-file", TestPki.CA.caPkcs12("s3cret").toString());
            keys.put("trust-store-password", "s3cret");
        }
        if (serverName != null) {
            keys.put("server-name", serverName);
        }
        UpstreamTls tls = tls(keys);
        int port = origin.equals("trusted") ? trustedOrigin : selfSignedOrigin;

        if (succeeds) {
            assertThat(get(tls, port)).isEqualTo(200);
        } else {
            assertThatThrownBy(() -> get(tls, port)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(javax.net.ssl.SSLHandshakeException.class);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "trust store file missing         | enabled=true,trust-store-file=/nope/ca.pem      | trust-store-file",
            "trust store holds no certificate | enabled=true,trust-store-file=GARBAGE           | trust-store-file",
            "trust store without enabled      | trust-store-file=CA                             | trust-store-file",
            "wrong PKCS#12 password           | enabled=true,trust-store-file=P12,trust-store-password=wrong | trust-store-password",
            "insecure and a trust store       | enabled=true,insecure-skip-verify=true,trust-store-file=CA | insecure-skip-verify"})
    @DisplayName("invalid upstream TLS configuration stops start-up naming the key")
    void invalid(String scenario, String settings, String namedKey) throws Exception {
        java.nio.file.Path garbage = dev.ballast.testing.TempPaths.file("ballast-garbage-", ".pem");
        java.nio.file.Files.writeString(garbage, "no certificates here\n");
        Map<String, String> keys = new HashMap<>();
        for (String pair : settings.split(",")) {
            String[] kv = pair.split("=", 2);
            String value = switch (kv[1]) {
                case "CA" -> TestPki.CA.caFile().toString();
                case "P12" -> TestPki.CA.caPkcs12("right").toString();
                case "GARBAGE" -> garbage.toString();
                default -> kv[1];
            };
            keys.put(kv[0], value);
        }

        assertThatThrownBy(() -> tls(keys))
                .isInstanceOfSatisfying(InvalidGatewayConfigException.class,
                        e -> assertThat(e.key()).isEqualTo(KEY + namedKey));
    }

    /** GET / the way the proxy asks: connect to the endpoint address, the client's options decide TLS. */
    private static int get(UpstreamTls tls, int port) throws Exception {
        HttpClient client = vertx.createHttpClient(tls.applyTo(new HttpClientOptions()));
        try {
            return client.request(tls.target(new RequestOptions().setMethod(HttpMethod.GET).setURI("/"),
                            SocketAddress.inetSocketAddress(port, "127.0.0.1")))
                    .compose(request -> request.send())
                    .map(HttpClientResponse::statusCode)
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } finally {
            client.close();
        }
    }

    private static int origin(TestCertificates.Issued certificate) throws Exception {
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setSsl(true)
                        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(certificate.certFile().toString())
                                .setKeyPath(certificate.keyFile().toString())))
                .requestHandler(request -> request.response().end("origin"));
        return server.listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    }
}
