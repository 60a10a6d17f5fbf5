package dev.ballast.gateway.proxy;

import dev.ballast.gateway.server.TrafficServer;
import dev.ballast.gateway.upstream.UpstreamRuntime;
import dev.ballast.gateway.upstream.Upstreams;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;
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
 * Per upstream and event loop, the upstream connections of the proxy path ({@link UpstreamConnections}, HTTP
 * requests) and a Vert.x HTTP client (WebSocket upgrades only), so a proxied exchange never leaves the event loop
 * that accepted it (no cross-thread hand-offs, like nginx's per-worker upstream keepalive cache). The per-endpoint
 * connection and pending caps are split across the event loops. Upstream generations added by a reload get theirs
 * on first use; retired ones have theirs closed once their last request ended (Upstreams.sweepRetired).
 */
final class EventLoopClients {

    private final Vertx vertx;
    private final Upstreams upstreams;
    private final int eventLoops;
    private final ThreadLocal<HttpClient[]> clients;
    private final ThreadLocal<UpstreamConnections[]> connections;
    /** Clients by upstream generation index, to close them when it is retired or the gateway stops. */
    private final Map<Integer, List<HttpClient>> created = new HashMap<>();
    /** Connection pools by upstream generation index, with the event loop each is confined to. */
    private final Map<Integer, List<Map.Entry<EventLoop, UpstreamConnections>>> pools = new HashMap<>();
    /** TLS contexts by upstream generation index: built once per generation, shared by its event loops. */
    private final Map<Integer, SslContext> tls = new HashMap<>();

    EventLoopClients(Vertx vertx, Upstreams upstreams) {
        this.vertx = vertx;
        this.upstreams = upstreams;
        upstreams.onRelease(this::release);
        this.eventLoops = TrafficServer.eventLoops(vertx);
        this.clients = ThreadLocal.withInitial(() -> new HttpClient[upstreams.size()]);
        this.connections = ThreadLocal.withInitial(() -> new UpstreamConnections[upstreams.size()]);
    }

    /** This event loop's connections to the upstream's endpoints; {@code context} is the caller's (event-loop) one. */
    UpstreamConnections connections(UpstreamRuntime upstream, ContextInternal context) {
        UpstreamConnections[] perLoop = connections.get();
        int index = upstream.index();
        if (index >= perLoop.length) {
            perLoop = java.util.Arrays.copyOf(perLoop, index + 8);
            connections.set(perLoop);
        }
        UpstreamConnections pool = perLoop[index];
        if (pool == null) {
            pool = createConnections(upstream, context.nettyEventLoop());
            perLoop[index] = pool;
        }
        return pool;
    }

    private UpstreamConnections createConnections(UpstreamRuntime upstream, EventLoop loop) {
        var settings = upstream.settings();
        SslContext context;
        synchronized (pools) {
            context = tls.computeIfAbsent(upstream.index(), i -> settings.tls().nettyClientContext());
        }
        UpstreamConnections pool = new UpstreamConnections((VertxInternal) vertx, loop, upstream.name(),
                share(settings.maxConnectionsPerEndpoint()),
                settings.maxPendingPerEndpoint() == 0 ? 0 : share(settings.maxPendingPerEndpoint()),
                settings.keepAliveTimeoutMillis(), upstream.connectionIdleMillis(), context,
                settings.tls().enabled() ? settings.tls().serverName() : null);
        synchronized (pools) {
            pools.computeIfAbsent(upstream.index(), i -> new ArrayList<>()).add(Map.entry(loop, pool));
        }
        return pool;
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
        List<Map.Entry<EventLoop, UpstreamConnections>> poolsOfRetired;
        synchronized (pools) {
            poolsOfRetired = pools.remove(retired.index());
            tls.remove(retired.index());
        }
        if (poolsOfRetired != null) {
            poolsOfRetired.forEach(p -> p.getKey().execute(p.getValue()::close));
        }
    }

    void close() {
        synchronized (created) {
            created.values().forEach(list -> list.forEach(HttpClient::close));
            created.clear();
        }
        synchronized (pools) {
            pools.values().forEach(list -> list.forEach(p -> p.getKey().execute(p.getValue()::close)));
            pools.clear();
            tls.clear();
        }
    }
}
