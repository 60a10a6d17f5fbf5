package dev.ballast.gateway.proxy;

import dev.ballast.gateway.server.TrafficServer;
import dev.ballast.gateway.upstream.UpstreamRuntime;
import dev.ballast.gateway.upstream.Upstreams;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One keep-alive HTTP/1.1 client per upstream per event loop, so a proxied exchange never leaves the event loop that
 * accepted it (no cross-thread hand-offs, like nginx's per-worker upstream keepalive cache). The per-endpoint
 * connection and pending caps are split across the event loops. Upstream generations added by a reload get clients
 * on first use; retired ones have theirs closed once their last request ended (Upstreams.sweepRetired).
 */
final class EventLoopClients {

    private final Vertx vertx;
    private final Upstreams upstreams;
    private final int eventLoops;
    private final ThreadLocal<HttpClient[]> clients;
    /** Clients by upstream generation index, to close them when it is retired or the gateway stops. */
    private final Map<Integer, List<HttpClient>> created = new HashMap<>();

    EventLoopClients(Vertx vertx, Upstreams upstreams) {
        this.vertx = vertx;
        this.upstreams = upstreams;
        upstreams.onRelease(this::release);
        this.eventLoops = TrafficServer.eventLoops(vertx);
        this.clients = ThreadLocal.withInitial(() -> new HttpClient[upstreams.size()]);
    }

    HttpClient client(UpstreamRuntime upstream) {
        HttpClient[] perLoop = clients.get();
        if (upstream.index() >= perLoop.length) {
            // A generation added by a reload: indices only grow, so the array grows with them (rare, off the hot path).
            perLoop = java.util.Arrays.copyOf(perLoop, upstream.index() + 8);
            clients.set(perLoop);
        }
        HttpClient client = perLoop[upstream.index()];
        if (client == null) {
            client = create(upstream);
            perLoop[upstream.index()] = client;
        }
        return client;
    }

    private HttpClient create(UpstreamRuntime upstream) {
        var settings = upstream.settings();
        HttpClientOptions options = new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_1_1)
                .setKeepAlive(true)
                .setKeepAliveTimeout((int) Math.max(1, settings.keepAliveTimeoutMillis() / 1000))
                .setPipelining(false)
                .setTcpNoDelay(true)
                .setTryUseCompression(false)
                .setDecompressionSupported(false)
                .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, upstream.connectionIdleMillis()))
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setName("ballast-gateway-" + upstream.name());
        PoolOptions pool = new PoolOptions()
                .setHttp1MaxSize(share(settings.maxConnectionsPerEndpoint()))
                .setMaxWaitQueueSize(settings.maxPendingPerEndpoint() == 0 ? 0 : share(settings.maxPendingPerEndpoint()));
        settings.tls().applyTo(options); // plain upstreams' options are left as they are
        HttpClient client = vertx.createHttpClient(options, pool);
        synchronized (created) {
            created.computeIfAbsent(upstream.index(), i -> new ArrayList<>()).add(client);
        }
        return client;
    }

    private int share(int total) {
        return Math.max(1, (total + eventLoops - 1) / eventLoops);
    }

    /**
     * Closes the clients of a retired generation (no request of it is left). Its slots in the per-loop arrays keep
     * a closed client that no request reaches again: indices are never reused.
     */
    void release(UpstreamRuntime retired) {
        List<HttpClient> clientsOfRetired;
        synchronized (created) {
            clientsOfRetired = created.remove(retired.index());
        }
        if (clientsOfRetired != null) {
            clientsOfRetired.forEach(HttpClient::close);
        }
    }

    void close() {
        synchronized (created) {
            created.values().forEach(list -> list.forEach(HttpClient::close));
            created.clear();
        }
    }
}
