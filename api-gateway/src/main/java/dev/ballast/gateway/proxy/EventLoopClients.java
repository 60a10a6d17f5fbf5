package dev.ballast.gateway.proxy;

import dev.ballast.gateway.upstream.UpstreamRuntime;
import dev.ballast.gateway.upstream.Upstreams;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One keep-alive HTTP/1.1 client per upstream per event loop, so a proxied exchange never leaves the event loop that
 * accepted it (no cross-thread hand-offs, like nginx's per-worker upstream keepalive cache). The per-endpoint
 * connection and pending caps are split across the event loops.
 */
final class EventLoopClients {

    private final Vertx vertx;
    private final Upstreams upstreams;
    private final int eventLoops;
    private final ThreadLocal<HttpClient[]> clients;
    private final List<HttpClient> created = new ArrayList<>();
    /** Per upstream: silence on a connection after which it is closed (0 = never); see ProxyHandler. */
    private final Map<String, Long> connectionIdleMillis;

    EventLoopClients(Vertx vertx, Upstreams upstreams, Map<String, Long> connectionIdleMillis) {
        this.vertx = vertx;
        this.upstreams = upstreams;
        this.connectionIdleMillis = Map.copyOf(connectionIdleMillis);
        int loops = 0;
        for (Object ignored : vertx.nettyEventLoopGroup()) {
            loops++;
        }
        this.eventLoops = Math.max(1, loops);
        this.clients = ThreadLocal.withInitial(() -> new HttpClient[upstreams.size()]);
    }

    HttpClient client(UpstreamRuntime upstream) {
        HttpClient[] perLoop = clients.get();
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
                .setIdleTimeout((int) Math.min(Integer.MAX_VALUE,
                        connectionIdleMillis.getOrDefault(upstream.name(), 0L)))
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setName("ballast-gateway-" + upstream.name());
        PoolOptions pool = new PoolOptions()
                .setHttp1MaxSize(share(settings.maxConnectionsPerEndpoint()))
                .setMaxWaitQueueSize(settings.maxPendingPerEndpoint() == 0 ? 0 : share(settings.maxPendingPerEndpoint()));
        HttpClient client = vertx.createHttpClient(options, pool);
        synchronized (created) {
            created.add(client);
        }
        return client;
    }

    private int share(int total) {
        return Math.max(1, (total + eventLoops - 1) / eventLoops);
    }

    void close() {
        synchronized (created) {
            created.forEach(HttpClient::close);
            created.clear();
        }
    }
}
