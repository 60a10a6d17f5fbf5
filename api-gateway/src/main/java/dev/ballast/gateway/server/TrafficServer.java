package dev.ballast.gateway.server;

import dev.ballast.gateway.tls.CertificateReloader;
import io.netty.util.AsciiString;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.net.impl.ConnectionBase;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * The traffic listener: one Vert.x HTTP server per event loop sharing the port, each handing requests straight to
 * the proxy (no Router, no routing context, no Quarkus filters), like nginx's one accept loop per worker. It caps
 * concurrent client connections (closing those beyond the cap, counted) and drains on shutdown: no new connections,
 * requests arriving on open ones are answered with {@code Connection: close}, in-flight ones finish up to a timeout,
 * then everything closes (Envoy's drain, nginx's graceful quit).
 */
public final class TrafficServer {

    private static final Logger LOG = Logger.getLogger(TrafficServer.class);
    private static final AsciiString CONNECTION = AsciiString.cached("connection");
    private static final AsciiString CLOSE = AsciiString.cached("close");
    private static final long DRAIN_POLL_MILLIS = 25;

    private final Vertx vertx;
    private final TrafficServerOptions options;
    private final Handler<HttpServerRequest> handler;
    private final int instances;
    /** TLS termination: each listener starts with its options and is kept on the current certificate; null = HTTP. */
    private final CertificateReloader tls;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final List<String> deployments = new ArrayList<>();
    private volatile boolean draining;
    private volatile int port = -1;

    /**
     * @param instances listeners to run, normally one per event loop
     */
    public TrafficServer(Vertx vertx, TrafficServerOptions options, Handler<HttpServerRequest> handler,
                         int instances) {
        this(vertx, options, handler, instances, null);
    }

    /** @param tls serves HTTPS with the reloader's current certificate (tls package); null for plain HTTP */
    public TrafficServer(Vertx vertx, TrafficServerOptions options, Handler<HttpServerRequest> handler,
                         int instances, CertificateReloader tls) {
        this.vertx = vertx;
        this.options = options;
        this.handler = handler;
        this.instances = Math.max(1, instances);
        this.tls = tls;
    }

    /** The number of event loops of {@code vertx}: one listener each. */
    public static int eventLoops(Vertx vertx) {
        int loops = 0;
        for (Object ignored : vertx.nettyEventLoopGroup()) {
            loops++;
        }
        return Math.max(1, loops);
    }

    /**
     * Binds the port and completes with the port actually bound. Port 0 becomes Vert.x' shared random port (-1): the
     * first listener picks a free port and the others join it, so every event loop serves the one port.
     */
    public Future<Integer> start() {
        int bindPort = options.port() == 0 ? -1 : options.port();
        AtomicInteger bound = new AtomicInteger();
        return vertx.deployVerticle(() -> new Listener(bindPort, bound), new DeploymentOptions().setInstances(instances))
                .map(id -> {
                    synchronized (deployments) {
                        deployments.add(id);
                    }
                    port = bound.get();
                    LOG.infof("Traffic listener on %s:%d (%d event loops, max %d connections, idle timeout %d ms)",
                            options.host(), port, instances, options.maxConnections(),
                            options.clientIdleTimeoutMillis());
                    return port;
                });
    }

    /** The bound port, or -1 before {@link #start()} completed. */
    public int port() {
        return port;
    }

    /** Client connections open now. */
    public int openConnections() {
        return open.get();
    }

    /** Client connections closed on arrival because {@code limits.max-connections} were already open. */
    public long refusedConnections() {
        return refused.get();
    }

    public long shutdownTimeoutMillis() {
        return options.shutdownTimeoutMillis();
    }

    /**
     * Graceful stop: new connections are closed on arrival, requests that arrive on open connections are answered
     * with {@code Connection: close}, and once {@code inFlight} reads zero (or the shutdown timeout passed) the
     * listeners and every connection close.
     */
    public Future<Void> shutdown(IntSupplier inFlight) {
        draining = true;
        long deadline = System.nanoTime() + options.shutdownTimeoutMillis() * 1_000_000L;
        Promise<Void> drained = Promise.promise();
        awaitDrained(inFlight, deadline, drained);
        return drained.future().compose(v -> close());
    }

    private void awaitDrained(IntSupplier inFlight, long deadline, Promise<Void> drained) {
        int left = inFlight.getAsInt();
        if (left == 0) {
            drained.complete();
        } else if (System.nanoTime() - deadline >= 0) {
            LOG.warnf("Shutdown timeout of %d ms passed with %d requests in flight; closing their connections",
                    options.shutdownTimeoutMillis(), left);
            drained.complete();
        } else {
            vertx.setTimer(DRAIN_POLL_MILLIS, id -> awaitDrained(inFlight, deadline, drained));
        }
    }

    /** Stops at once: listeners and every client connection close. */
    public Future<Void> close() {
        draining = true;
        List<String> ids;
        synchronized (deployments) {
            ids = List.copyOf(deployments);
            deployments.clear();
        }
        List<Future<Void>> undeployed = new ArrayList<>();
        for (String id : ids) {
            undeployed.add(vertx.undeploy(id));
        }
        return Future.join(undeployed).mapEmpty();
    }

    /** One listener on one event loop; undeploying it closes its server and connections. */
    private final class Listener extends AbstractVerticle {

        private final int bindPort;
        private final AtomicInteger bound;
        private final Handler<Void> connectionClosed = v -> open.decrementAndGet();

        Listener(int bindPort, AtomicInteger bound) {
            this.bindPort = bindPort;
            this.bound = bound;
        }

        private HttpServer server;
        /** Null when client-idle-timeout is 0 (never). */
        private ClientIdleTimeout idle;

        @Override
        public void start(Promise<Void> started) {
            if (options.clientIdleTimeoutMillis() > 0) {
                idle = new ClientIdleTimeout(((ContextInternal) context).nettyEventLoop(),
                        options.clientIdleTimeoutMillis());
            }
            HttpServerOptions serverOptions = options.httpServerOptions();
            if (tls != null) {
                tls.applyTo(serverOptions);
            }
            server = vertx.createHttpServer(serverOptions)
                    .connectionHandler(this::connected)
                    .requestHandler(this::request);
            server.listen(bindPort).onSuccess(s -> {
                bound.set(s.actualPort());
                if (tls != null) {
                    tls.register(s); // certificate reloads reach this listener too
                }
            }).onFailure(e -> {
                if (idle != null) {
                    idle.stop(); // a failed deployment calls no stop(): the sweep would run for good
                }
            }).<Void>mapEmpty().onComplete(started);
        }

        @Override
        public void stop() {
            if (idle != null) {
                idle.stop();
            }
            if (tls != null && server != null) {
                tls.unregister(server);
            }
        }

        private void connected(HttpConnection connection) {
            if (draining) {
                connection.close();
                return;
            }
            if (open.incrementAndGet() > options.maxConnections()) {
                open.decrementAndGet();
                refused.incrementAndGet();
                connection.close();
                return;
            }
            connection.closeHandler(connectionClosed);
            if (idle != null) {
                idle.watch(((ConnectionBase) connection).channel());
            }
        }

        private void request(HttpServerRequest request) {
            if (draining) {
                request.response().headers().set(CONNECTION, CLOSE);
            }
            handler.handle(request);
        }
    }
}
