package dev.ballast.gateway.proxy;

import dev.ballast.gateway.config.GatewaySettings;
import dev.ballast.gateway.config.RouteSettings;
import dev.ballast.gateway.metrics.GatewayMetrics;
import dev.ballast.gateway.routing.RouteTable;
import dev.ballast.gateway.upstream.Upstreams;
import dev.ballast.lb.TrustedProxyClientIp;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The traffic listener's only handler: matches a route and hands the request to a {@link ProxyExchange}; anything
 * unmatched gets a JSON 404. Holds what every exchange shares (routes, pools, clients, metrics).
 */
public final class ProxyHandler implements Handler<RoutingContext> {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    final Vertx vertx;
    final RouteTable routes;
    final Upstreams upstreams;
    final GatewayMetrics metrics;
    final TrustedProxyClientIp clientIp;
    final boolean hasTrustedProxies;
    final String requestIdHeader;
    final EventLoopClients clients;
    private final long[] connectionIdle;

    public ProxyHandler(Vertx vertx, GatewaySettings settings, RouteTable routes, Upstreams upstreams,
                        GatewayMetrics metrics) {
        this.vertx = vertx;
        this.routes = routes;
        this.upstreams = upstreams;
        this.metrics = metrics;
        this.clientIp = TrustedProxyClientIp.of(settings.trustedProxies());
        this.hasTrustedProxies = !settings.trustedProxies().isEmpty();
        this.requestIdHeader = settings.requestIdHeader();
        Map<String, Long> idle = connectionIdleMillis(settings);
        this.clients = new EventLoopClients(vertx, upstreams, idle);
        this.connectionIdle = new long[upstreams.size()];
        upstreams.all().forEach(u -> connectionIdle[u.index()] = idle.getOrDefault(u.name(), 0L));
    }

    /**
     * A connection that stays silent longer than any route of its upstream allows (idle between chunks or waiting
     * for headers) can be closed by the client's idle handler: it catches stalled bodies of known length without a
     * timer per request. A route with both limits off turns it off for its upstream.
     */
    static Map<String, Long> connectionIdleMillis(GatewaySettings settings) {
        Map<String, Long> idle = new HashMap<>();
        for (RouteSettings route : settings.routes()) {
            long idleMillis = route.timeouts().idleMillis();
            long headersMillis = route.timeouts().responseHeadersMillis();
            long needed = idleMillis == 0 || headersMillis == 0 ? 0 : Math.max(idleMillis, headersMillis);
            idle.merge(route.upstream(), needed, (a, b) -> a == 0 || b == 0 ? 0 : Math.max(a, b));
        }
        return idle;
    }

    /** The upstream connections' idle timeout in ms, or Long.MAX_VALUE when they have none. */
    long connectionIdleMillis(dev.ballast.gateway.upstream.UpstreamRuntime upstream) {
        long millis = connectionIdle[upstream.index()];
        return millis == 0 ? Long.MAX_VALUE : millis;
    }

    @Override
    public void handle(RoutingContext context) {
        HttpServerRequest request = context.request();
        String requestId = request.getHeader(requestIdHeader);
        if (requestId == null || requestId.isEmpty() || requestId.length() > 200) {
            requestId = newRequestId();
        }
        RouteSettings route = routes.match(request.getHeader(HeaderNames.HOST), request.method().name(), request.path());
        if (route == null) {
            metrics.unmatched();
            request.response().putHeader(requestIdHeader, requestId);
            Problem.send(request.response(), 404, "no-route", "Not Found",
                    "No route matches " + request.method().name() + " " + safePath(request.path()), null, requestId);
            return;
        }
        new ProxyExchange(this, request, route, upstreams.get(route.upstream()), requestId).start();
    }

    /** 128 random bits as 32 hex characters: unique enough to correlate logs, cheaper than UUID formatting. */
    static String newRequestId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = random.nextLong();
        long low = random.nextLong();
        char[] chars = new char[32];
        for (int i = 15; i >= 0; i--) {
            chars[i] = HEX[(int) (high & 0xf)];
            high >>>= 4;
            chars[16 + i] = HEX[(int) (low & 0xf)];
            low >>>= 4;
        }
        return new String(chars);
    }

    /** Paths go into error details only truncated and without control characters. */
    private static String safePath(String path) {
        String p = path == null ? "" : path;
        if (p.length() > 200) {
            p = p.substring(0, 200) + "...";
        }
        return p.replaceAll("[\\p{Cntrl}]", "?");
    }

    public void close() {
        clients.close();
    }
}
