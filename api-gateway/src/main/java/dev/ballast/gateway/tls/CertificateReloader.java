package dev.ballast.gateway.tls;

import dev.ballast.gateway.config.InvalidGatewayConfigException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SSLOptions;
import org.jboss.logging.Logger;

import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Keeps the traffic listeners serving the certificate on disk: re-reads the files every reload-interval, and when their
 * content changed, checks the new pair and swaps it into every listener with Vert.x' {@code updateSSLOptions}. New
 * handshakes get the new certificate; open connections keep theirs. A pair that fails the checks is logged and
 * counted, and the old one keeps serving. Content hashes, not mtimes, decide "changed": Kubernetes updates a Secret
 * volume by swapping its {@code ..data} symlink, which leaves the files' own mtimes meaningless.
 */
public final class CertificateReloader {

    private static final Logger LOG = Logger.getLogger(CertificateReloader.class);

    /** What one look at the files did. */
    public enum Outcome { UNCHANGED, RELOADED, REJECTED }

    private final Vertx vertx;
    private final ServerTlsSettings settings;
    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    private final Counter reloaded;
    private final Counter rejected;
    private final AtomicReference<Future<Outcome>> running = new AtomicReference<>();
    private volatile CertificatePair current;
    /** Hash (or read error) of the last content looked at, so one bad pair is logged and counted once, not per tick. */
    private volatile String lastSeen;
    private volatile long timer = -1;

    /**
     * Reads and checks the configured pair now: a missing, unreadable or mismatched file fails start-up with an
     * {@link InvalidGatewayConfigException} naming its key.
     */
    public CertificateReloader(Vertx vertx, ServerTlsSettings settings, MeterRegistry registry) {
        if (!settings.enabled()) {
            throw new IllegalArgumentException("TLS is not enabled");
        }
        this.vertx = vertx;
        this.settings = settings;
        try {
            this.current = CertificatePair.read(vertx, settings.certFile(), settings.keyFile());
        } catch (BadCertificateException e) {
            throw new InvalidGatewayConfigException(e.key(), e.problem());
        }
        this.lastSeen = current.sha256();
        warnIfNotValidNow(current);
        this.reloaded = Counter.builder("ballast.gateway.tls.reloads").tag("result", "success")
                .description("Certificate reloads of the traffic port: new files served (success) or rejected, the "
                        + "old certificate kept (failure)")
                .register(registry);
        this.rejected = Counter.builder("ballast.gateway.tls.reloads").tag("result", "failure")
                .description("Certificate reloads of the traffic port: new files served (success) or rejected, the "
                        + "old certificate kept (failure)")
                .register(registry);
        Gauge.builder("ballast.gateway.tls.certificate.expiry.timestamp", this,
                        r -> r.current.notAfter().getEpochSecond())
                .description("When the certificate the traffic port serves expires (notAfter, Unix seconds)")
                .baseUnit("seconds")
                .register(registry);
        LOG.infof("TLS on the traffic port with %s (%d certificates in the chain), protocols %s, %s",
                current.describe(), current.chainLength(), settings.protocols(),
                settings.reloadIntervalMillis() > 0 ? "files re-read every " + settings.reloadIntervalMillis() + " ms"
                        : "files never re-read (reload-interval=0)");
    }

    /** The options a listener is created with: always the pair served right now. */
    private SSLOptions sslOptions() {
        return current.sslOptions(settings.protocols());
    }

    /** Turns a listener's options into TLS ones serving the current pair (the traffic server's one TLS seam). */
    public HttpServerOptions applyTo(HttpServerOptions options) {
        SSLOptions ssl = sslOptions();
        return options.setSsl(true)
                .setKeyCertOptions(ssl.getKeyCertOptions())
                .setEnabledSecureTransportProtocols(ssl.getEnabledSecureTransportProtocols());
    }

    public CertificatePair current() {
        return current;
    }

    /** A listener to keep up to date; listeners created later start from {@link #sslOptions()}. */
    public void register(HttpServer server) {
        servers.add(server);
    }

    public void unregister(HttpServer server) {
        servers.remove(server);
    }

    /** Starts looking at the files every reload-interval (no-op when it is 0). */
    public synchronized void start() {
        if (timer < 0 && settings.reloadIntervalMillis() > 0) {
            timer = vertx.setPeriodic(settings.reloadIntervalMillis(), id -> check());
        }
    }

    public synchronized void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    /**
     * Looks at the files once: unchanged content does nothing; changed content is checked and served, or rejected.
     * A look still running is joined rather than started twice.
     */
    public Future<Outcome> check() {
        Future<Outcome> inFlight = running.get();
        if (inFlight != null) {
            return inFlight;
        }
        Promise<Outcome> promise = Promise.promise();
        if (!running.compareAndSet(null, promise.future())) {
            return running.get();
        }
        // File reads and parsing block: off the event loop, one at a time.
        vertx.<CertificatePair>executeBlocking(this::readIfChanged, true)
                .compose(pair -> pair == null ? Future.succeededFuture(Outcome.UNCHANGED) : apply(pair),
                        failure -> Future.succeededFuture(reject(failure)))
                .onComplete(done -> {
                    running.set(null);
                    promise.handle(done);
                });
        return promise.future();
    }

    /** Null when the files hold what was last looked at. */
    private CertificatePair readIfChanged() {
        CertificatePair.Content content;
        try {
            content = CertificatePair.Content.read(settings.certFile(), settings.keyFile());
            if (content.sha256().equals(lastSeen)) {
                return null; // the usual tick: one read, nothing changed
            }
            content = stableRead(content);
        } catch (BadCertificateException e) {
            if (e.getMessage().equals(lastSeen)) {
                return null; // still missing or unreadable: already reported
            }
            lastSeen = e.getMessage();
            throw e;
        }
        if (content.sha256().equals(lastSeen)) {
            return null;
        }
        lastSeen = content.sha256();
        if (content.sha256().equals(current.sha256())) {
            return null; // back to what is being served (e.g. a bad pair was reverted)
        }
        return CertificatePair.parse(vertx, content);
    }

    /**
     * The two files are read one after the other, so a swap between the reads would pair an old certificate with a
     * new key: after a read that changed, read until two reads in a row agree (a Secret swap is one atomic rename, so
     * the second read settles).
     */
    private CertificatePair.Content stableRead(CertificatePair.Content first) {
        CertificatePair.Content content = first;
        for (int attempt = 0; attempt < 3; attempt++) {
            CertificatePair.Content again = CertificatePair.Content.read(settings.certFile(), settings.keyFile());
            if (again.sha256().equals(content.sha256())) {
                return content;
            }
            content = again;
        }
        return content;
    }

    private Future<Outcome> apply(CertificatePair pair) {
        SSLOptions options = pair.sslOptions(settings.protocols());
        List<Future<Boolean>> updates = new ArrayList<>();
        for (HttpServer server : servers) {
            updates.add(server.updateSSLOptions(options));
        }
        return Future.all(updates).transform(result -> {
            if (result.failed()) {
                return Future.succeededFuture(reject(result.cause()));
            }
            CertificatePair previous = current;
            current = pair;
            reloaded.increment();
            warnIfNotValidNow(pair);
            LOG.infof("TLS certificate reloaded on %d listeners: now serving %s (was %s)", servers.size(),
                    pair.describe(), previous.describe());
            return Future.succeededFuture(Outcome.RELOADED);
        });
    }

    private Outcome reject(Throwable failure) {
        rejected.increment();
        String reason = failure instanceof BadCertificateException bad ? bad.getMessage()
                : "the TLS stack refused it: " + failure;
        LOG.warnf("New TLS certificate files rejected, still serving %s: %s", current.describe(), reason);
        return Outcome.REJECTED;
    }

    private static void warnIfNotValidNow(CertificatePair pair) {
        try {
            pair.leaf().checkValidity();
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            LOG.warnf("The TLS certificate %s is not valid at this time: clients will refuse it", pair.describe());
        }
    }
}
