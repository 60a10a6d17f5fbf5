package dev.ballast.gateway.tls;

import dev.ballast.gateway.config.InvalidGatewayConfigException;
import dev.ballast.testing.TempPaths;
import dev.ballast.testing.TestCertificates;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The reloader in front of a real Vert.x TLS listener on loopback, its files replaced as a Secret update would. */
class CertificateReloaderTest {

    private static final TestCertificates certificates = TestPki.CA;
    private static final TestCertificates.Issued first = TestPki.FIRST;
    private static final TestCertificates.Issued second = TestPki.SECOND;

    private Vertx vertx;
    private MeterRegistry registry;
    private Path secret;
    private CertificateReloader reloader;
    private volatile Promise<Void> release;

    @BeforeEach
    void mountSecret() throws Exception {
        vertx = Vertx.vertx();
        registry = new SimpleMeterRegistry();
        secret = TempPaths.directory("ballast-secret-");
        mount(first);
    }

    @AfterEach
    void closeVertx() throws Exception {
        if (reloader != null) {
            reloader.stop();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    @DisplayName("the listener serves the configured certificate and the expiry gauge shows its notAfter")
    void servesConfiguredCertificate() {
        int port = listen(settings(0));

        assertThat(serial(TlsClients.presented(port, certificates.caFile()))).isEqualTo(serial(first.certificate()));
        assertThat(registry.get("ballast.gateway.tls.certificate.expiry.timestamp").gauge().value())
                .isEqualTo(first.certificate().getNotAfter().toInstant().getEpochSecond());
    }

    @Test
    @DisplayName("replaced files: new handshakes get the new certificate, a request in flight finishes on the old one")
    void reloadKeepsInFlightRequests() throws Exception {
        int port = listen(settings(0));
        var client = TlsClients.https(certificates.caFile());
        CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(
                HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/slow")).build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10)).until(() -> release != null);

        mount(second);
        CertificateReloader.Outcome outcome = result(reloader.check());
        release.complete();

        assertThat(outcome).isEqualTo(CertificateReloader.Outcome.RELOADED);
        HttpResponse<String> response = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("slow answer");
        assertThat(serial(response.sslSession().orElseThrow().getPeerCertificates()[0]))
                .isEqualTo(serial(first.certificate()));
        assertThat(serial(TlsClients.presented(port, certificates.caFile()))).isEqualTo(serial(second.certificate()));
        assertThat(reloads("success")).isEqualTo(1.0);
        assertThat(registry.get("ballast.gateway.tls.certificate.expiry.timestamp").gauge().value())
                .isEqualTo(second.certificate().getNotAfter().toInstant().getEpochSecond());
    }

    @Test
    @DisplayName("a broken replacement is rejected once and counted; the old certificate keeps serving")
    void brokenReplacementKeepsOldCertificate() throws Exception {
        int port = listen(settings(0));
        Files.copy(second.certFile(), secret.resolve("tls.crt"), StandardCopyOption.REPLACE_EXISTING); // key not

        CertificateReloader.Outcome outcome = result(reloader.check());
        CertificateReloader.Outcome again = result(reloader.check());

        assertThat(outcome).isEqualTo(CertificateReloader.Outcome.REJECTED);
        assertThat(again).isEqualTo(CertificateReloader.Outcome.UNCHANGED);
        assertThat(reloads("failure")).isEqualTo(1.0);
        assertThat(reloads("success")).isZero();
        assertThat(serial(TlsClients.presented(port, certificates.caFile()))).isEqualTo(serial(first.certificate()));
        assertThat(reloader.current().leaf()).isEqualTo(first.certificate());
    }

    @Test
    @DisplayName("after a rejected pair, the next good pair is served")
    void recoversAfterRejection() throws Exception {
        int port = listen(settings(0));
        Files.writeString(secret.resolve("tls.key"), "garbage");
        assertThat(result(reloader.check())).isEqualTo(CertificateReloader.Outcome.REJECTED);

        mount(second);

        assertThat(result(reloader.check())).isEqualTo(CertificateReloader.Outcome.RELOADED);
        assertThat(serial(TlsClients.presented(port, certificates.caFile()))).isEqualTo(serial(second.certificate()));
    }

    @Test
    @DisplayName("files that vanish are reported once, and the old certificate keeps serving")
    void vanishedFiles() throws Exception {
        int port = listen(settings(0));
        Files.delete(secret.resolve("tls.key"));

        assertThat(result(reloader.check())).isEqualTo(CertificateReloader.Outcome.REJECTED);
        assertThat(result(reloader.check())).isEqualTo(CertificateReloader.Outcome.UNCHANGED);
        assertThat(reloads("failure")).isEqualTo(1.0);
        assertThat(serial(TlsClients.presented(port, certificates.caFile()))).isEqualTo(serial(first.certificate()));
    }

    @Test
    @DisplayName("a Kubernetes Secret update (the ..data symlink swapped, file mtimes untouched) is picked up on the "
            + "next tick of reload-interval")
    void kubernetesSymlinkSwap() throws Exception {
        Path volume = TempPaths.directory("ballast-secret-volume-");
        Path v1 = version(volume, "..2026_11_25_10_00_00.1", first);
        Files.createSymbolicLink(volume.resolve("..data"), v1.getFileName());
        Files.createSymbolicLink(volume.resolve("tls.crt"), Path.of("..data", "tls.crt"));
        Files.createSymbolicLink(volume.resolve("tls.key"), Path.of("..data", "tls.key"));
        ServerTlsSettings settings = new ServerTlsSettings(true, volume.resolve("tls.crt"), volume.resolve("tls.key"),
                50, Set.of("TLSv1.2", "TLSv1.3"), OptionalInt.empty(), OptionalInt.empty());
        int port = listen(settings);
        reloader.start();

        Path v2 = version(volume, "..2026_11_25_10_05_00.2", second);
        Files.createSymbolicLink(volume.resolve("..data_tmp"), v2.getFileName());
        Files.move(volume.resolve("..data_tmp"), volume.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                serial(TlsClients.presented(port, certificates.caFile()))).isEqualTo(serial(second.certificate())));
        assertThat(reloads("success")).isEqualTo(1.0);
        assertThat(reloads("failure")).isZero();
    }

    @Test
    @DisplayName("unchanged files are not reloaded")
    void unchangedFiles() throws Exception {
        listen(settings(0));
        Files.setLastModifiedTime(secret.resolve("tls.crt"), java.nio.file.attribute.FileTime.fromMillis(1));

        assertThat(result(reloader.check())).isEqualTo(CertificateReloader.Outcome.UNCHANGED);
        assertThat(reloads("success")).isZero();
    }

    @Test
    @DisplayName("unusable files at start-up stop the gateway with the key to fix")
    void badFilesAtStartUp() throws Exception {
        Files.copy(second.keyFile(), secret.resolve("tls.key"), StandardCopyOption.REPLACE_EXISTING);

        assertThatThrownBy(() -> new CertificateReloader(vertx, settings(0), registry))
                .isInstanceOfSatisfying(InvalidGatewayConfigException.class,
                        e -> assertThat(e.key()).isEqualTo("ballast.gateway.tls.key-file"))
                .hasMessageContaining("does not belong to the certificate");
    }

    private ServerTlsSettings settings(long intervalMillis) {
        return new ServerTlsSettings(true, secret.resolve("tls.crt"), secret.resolve("tls.key"), intervalMillis,
                Set.of("TLSv1.2", "TLSv1.3"), OptionalInt.empty(), OptionalInt.empty());
    }

    /** Starts two listener instances on one port, as the traffic server runs one per event loop. */
    private int listen(ServerTlsSettings settings) {
        reloader = new CertificateReloader(vertx, settings, registry);
        int port = dev.ballast.testing.LoopbackPorts.free();
        for (int i = 0; i < 2; i++) {
            HttpServer server = vertx.createHttpServer(reloader.applyTo(new HttpServerOptions().setHost("127.0.0.1")))
                    .requestHandler(request -> {
                        if (request.path().equals("/slow")) {
                            Promise<Void> promise = Promise.promise();
                            promise.future().onComplete(v -> request.response().end("slow answer"));
                            release = promise;
                        } else {
                            request.response().end("ok");
                        }
                    });
            result(server.listen(port));
            reloader.register(server);
        }
        return port;
    }

    private void mount(TestCertificates.Issued issued) throws Exception {
        Files.copy(issued.certFile(), secret.resolve("tls.crt"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(issued.keyFile(), secret.resolve("tls.key"), StandardCopyOption.REPLACE_EXISTING);
    }

    private static Path version(Path volume, String name, TestCertificates.Issued issued) throws Exception {
        Path dir = Files.createDirectory(volume.resolve(name));
        Files.copy(issued.certFile(), dir.resolve("tls.crt"));
        Files.copy(issued.keyFile(), dir.resolve("tls.key"));
        Files.setLastModifiedTime(dir.resolve("tls.crt"), java.nio.file.attribute.FileTime.fromMillis(0));
        Files.setLastModifiedTime(dir.resolve("tls.key"), java.nio.file.attribute.FileTime.fromMillis(0));
        return dir;
    }

    private double reloads(String result) {
        return registry.get("ballast.gateway.tls.reloads").tag("result", result).counter().count();
    }

    private static String serial(java.security.cert.Certificate certificate) {
        return ((X509Certificate) certificate).getSerialNumber().toString(16);
    }

    private static <T> T result(io.vertx.core.Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
