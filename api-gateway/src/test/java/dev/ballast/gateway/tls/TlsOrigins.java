package dev.ballast.gateway.tls;

import dev.ballast.testing.LoopbackPorts;
import dev.ballast.testing.TempPaths;
import dev.ballast.testing.TestCertificates;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Quarkus test resource for the gateway over TLS: the gateway's certificate files in a Secret-like directory
 * ({@code test.tls.cert}, {@code test.tls.key}, trusted through {@code test.tls.ca}), a free port for the redirect
 * listener, and two HTTPS origins on loopback: one with a certificate from the test CA, one self-signed.
 */
public class TlsOrigins implements QuarkusTestResourceLifecycleManager {

    static Path secret;

    private Vertx vertx;

    @Override
    public Map<String, String> start() {
        try {
            secret = TempPaths.directory("ballast-gateway-secret-");
            mount(TestPki.FIRST);
            vertx = Vertx.vertx();
            int trusted = origin("trusted-origin", TestPki.SECOND);
            int untrusted = origin("untrusted-origin", TestPki.selfSigned());
            return Map.of(
                    "test.tls.cert", secret.resolve("tls.crt").toString(),
                    "test.tls.key", secret.resolve("tls.key").toString(),
                    "test.tls.ca", TestPki.CA.caFile().toString(),
                    "test.tls.redirect-port", Integer.toString(LoopbackPorts.free()),
                    "test.tls-origin.trusted", "127.0.0.1:" + trusted,
                    "test.tls-origin.untrusted", "127.0.0.1:" + untrusted);
        } catch (Exception e) {
            throw new IllegalStateException("Could not prepare the TLS test resources", e);
        }
    }

    /** Puts a certificate and key where the gateway reads them, as a Secret update would (content replaced). */
    static void mount(TestCertificates.Issued issued) throws Exception {
        Files.copy(issued.certFile(), secret.resolve("tls.crt"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(issued.keyFile(), secret.resolve("tls.key"), StandardCopyOption.REPLACE_EXISTING);
    }

    private int origin(String name, TestCertificates.Issued certificate) throws Exception {
        return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setSsl(true)
                        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(certificate.certFile().toString())
                                .setKeyPath(certificate.keyFile().toString())))
                .requestHandler(request -> request.response().putHeader("x-origin", name).end(name))
                .listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    }

    @Override
    public void stop() {
        if (vertx != null) {
            vertx.close();
        }
    }
}
