package dev.ballast.gateway.tls;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.function.IntSupplier;

/**
 * Everything TLS termination adds around the traffic listener, built from {@code ballast.gateway.tls.*}: the
 * certificate reloader the listener takes its options from (null when TLS is off) and the optional HTTP-to-HTTPS
 * redirect listener. The gateway runtime holds one and starts and stops it with the traffic listener.
 */
public final class TrafficTls {

    private final Vertx vertx;
    private final ServerTlsSettings settings;
    private final CertificateReloader reloader;
    private final HttpsRedirect redirect;

    private TrafficTls(Vertx vertx, ServerTlsSettings settings, CertificateReloader reloader, HttpsRedirect redirect) {
        this.vertx = vertx;
        this.settings = settings;
        this.reloader = reloader;
        this.redirect = redirect;
    }

    /**
     * Checks the keys and, when TLS is on, reads and checks the certificate files (start-up fails naming the key).
     *
     * @param trafficPort the traffic port once bound: where redirects point unless redirect-http.https-port says
     */
    public static TrafficTls from(ServerTlsConfig config, Vertx vertx, MeterRegistry registry,
                                  IntSupplier trafficPort) {
        ServerTlsSettings settings = ServerTlsSettings.from(config);
        if (!settings.enabled()) {
            return new TrafficTls(vertx, settings, null, null);
        }
        CertificateReloader reloader = new CertificateReloader(vertx, settings, registry);
        HttpsRedirect redirect = settings.redirectPort().isEmpty() ? null
                : new HttpsRedirect(() -> settings.redirectToPort().orElseGet(trafficPort));
        return new TrafficTls(vertx, settings, reloader, redirect);
    }

    /** What the traffic listener serves with; null for plain HTTP. */
    public CertificateReloader reloader() {
        return reloader;
    }

    /** After the traffic listener is up: starts watching the files and binds the redirect listener on {@code host}. */
    public Future<Void> start(String host) {
        if (reloader == null) {
            return Future.succeededFuture();
        }
        reloader.start();
        return redirect == null ? Future.succeededFuture()
                : redirect.listen(vertx, host, settings.redirectPort().getAsInt()).mapEmpty();
    }

    public Future<Void> stop() {
        if (reloader != null) {
            reloader.stop();
        }
        return redirect == null ? Future.succeededFuture() : redirect.close();
    }
}
