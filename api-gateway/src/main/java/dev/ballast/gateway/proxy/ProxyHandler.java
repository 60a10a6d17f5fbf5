package dev.ballast.gateway.proxy;

import dev.ballast.gateway.config.GatewaySettings;
import dev.ballast.gateway.config.RouteSettings;
import dev.ballast.gateway.metrics.GatewayMetrics;
import dev.ballast.gateway.ratelimit.Gcra;
import dev.ballast.gateway.ratelimit.RateLimitRule;
import dev.ballast.gateway.ratelimit.RateLimiter;
import dev.ballast.gateway.routing.RouteTable;
import dev.ballast.gateway.upstream.Upstreams;
import dev.ballast.lb.ClientIpHeader;
import dev.ballast.lb.TrustedProxyClientIp;
import io.netty.util.AsciiString;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The traffic listener's only handler: matches a route and hands the request to a {@link ProxyExchange}; anything
 * unmatched gets a JSON 404. Holds what every exchange shares (routes, pools, clients, metrics).
 */
public final class ProxyHandler implements Handler<HttpServerRequest> {

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    /** One digest per event loop, reused per request (digest() resets it), instead of a provider lookup each time. */
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    });

    final Vertx vertx;
    final RouteTable routes;
    final Upstreams upstreams;
    final GatewayMetrics metrics;
    final TrustedProxyClientIp clientIp;
    final boolean hasTrustedProxies;
    /** The one forwarding header the client IP is read from (ballast.gateway.client-ip.header). */
    final AsciiString clientIpHeader;
    /** Pre-hashed, so header maps look it up without hashing the name per request. */
    final AsciiString requestIdHeader;
    final EventLoopClients clients;
    private final RateLimiter limiter;

    /** {@code limiter} is null when no route is rate limited. */
    public ProxyHandler(Vertx vertx, GatewaySettings settings, RouteTable routes, Upstreams upstreams,
                        GatewayMetrics metrics, RateLimiter limiter) {
        this.vertx = vertx;
        this.limiter = limiter;
        this.routes = routes;
        this.upstreams = upstreams;
        this.metrics = metrics;
        this.clientIp = TrustedProxyClientIp.of(settings.trustedProxies(), settings.clientIpHeader());
        this.hasTrustedProxies = !settings.trustedProxies().isEmpty();
        this.clientIpHeader = settings.clientIpHeader() == ClientIpHeader.FORWARDED ? HeaderNames.FORWARDED
                : HeaderNames.X_FORWARDED_FOR;
        this.requestIdHeader = AsciiString.of(settings.requestIdHeader());
        this.clients = new EventLoopClients(vertx, upstreams);
    }

    /** The upstream connections' idle timeout in ms, or Long.MAX_VALUE when they have none. */
    long connectionIdleMillis(dev.ballast.gateway.upstream.UpstreamRuntime upstream) {
        long millis = upstream.connectionIdleMillis();
        return millis == 0 ? Long.MAX_VALUE : millis;
    }

    @Override
    public void handle(HttpServerRequest request) {
        CharSequence requestId = request.getHeader(requestIdHeader);
        if (requestId == null || requestId.isEmpty() || requestId.length() > 200) {
            requestId = newRequestId();
        }
        String raw = request.path();
        String path;
        try {
            path = RequestPath.normalise(raw == null ? "" : raw);
        } catch (RequestPath.Invalid invalid) {
            request.response().putHeader(requestIdHeader, requestId);
            Problem.send(request.response(), 400, "bad-path", "Bad Request", invalid.getMessage(), null, requestId);
            return;
        }
        RouteSettings route = routes.match(request.getHeader(HeaderNames.HOST), request.method().name(), path);
        if (route == null) {
            metrics.unmatched();
            request.response().putHeader(requestIdHeader, requestId);
            Problem.send(request.response(), 404, "no-route", "Not Found",
                    "No route matches " + request.method().name() + " " + safePath(path), null, requestId);
            return;
        }
        RateLimitRule rule = route.rateLimit();
        if (rule == null || limiter == null) {
            new ProxyExchange(this, request, route, upstreams.get(route.upstream()), requestId, path).start();
            return;
        }
        limitThenProxy(request, route, rule, requestId, path);
    }

    /**
     * Asks the limiter (Redis or the local share) and proxies or refuses. The body waits paused meanwhile, and the
     * answer is handled back on the request's own event loop: the Redis client may complete on another one.
     */
    private void limitThenProxy(HttpServerRequest request, RouteSettings route, RateLimitRule rule, CharSequence requestId,
                                String path) {
        String contentLength = request.getHeader(HeaderNames.CONTENT_LENGTH);
        boolean hasBody = (contentLength != null && !contentLength.equals("0"))
                || request.getHeader(HeaderNames.TRANSFER_ENCODING) != null;
        if (hasBody) {
            request.pause();
        }
        Context context = vertx.getOrCreateContext();
        limiter.decide(rateLimitKey(request, route, rule), rule).onComplete(result -> {
            if (Vertx.currentContext() == context) {
                admit(request, route, rule, requestId, path, hasBody, result);
            } else {
                context.runOnContext(v -> admit(request, route, rule, requestId, path, hasBody, result));
            }
        });
    }

    private void admit(HttpServerRequest request, RouteSettings route, RateLimitRule rule, CharSequence requestId,
                       String path, boolean hasBody, AsyncResult<RateLimiter.Verdict> result) {
        HttpServerResponse response = request.response();
        if (response.closed()) {
            return;
        }
        // The limiter recovers its own failures; a failed future would be a bug, and then traffic flows.
        RateLimiter.Verdict verdict = result.succeeded() ? result.result() : null;
        if (verdict == null || verdict.allowed()) {
            new ProxyExchange(this, request, route, upstreams.get(route.upstream()), requestId, path).start();
            return;
        }
        response.putHeader(requestIdHeader, requestId);
        if (verdict.source() == RateLimiter.Source.UNAVAILABLE) {
            response.putHeader("Retry-After", "1");
            Problem.send(response, 503, "rate-limit-unavailable", "Service Unavailable", "The rate limit of route '"
                    + route.name() + "' cannot be checked right now and the route fails closed", route.name(), requestId);
        } else {
            Gcra.Decision decision = verdict.decision();
            long retryAfter = Math.max(1, Gcra.Decision.seconds(decision.retryAfterMicros()));
            metrics.rateLimited(route.name());
            response.putHeader("Retry-After", Long.toString(retryAfter))
                    .putHeader("RateLimit-Limit", Long.toString(decision.limit()))
                    .putHeader("RateLimit-Remaining", Long.toString(decision.remaining()))
                    .putHeader("RateLimit-Reset", Long.toString(Gcra.Decision.seconds(decision.resetMicros())));
            Problem.send(response, 429, "rate-limited", "Too Many Requests", "Route '" + route.name() + "' allows "
                    + rule.rate() + " with a burst of " + rule.burst() + "; retry in " + retryAfter + " s",
                    route.name(), requestId);
        }
        if (hasBody) {
            request.resume(); // let the refused body drain so the connection can be reused
        }
    }

    /**
     * The Redis key of the request's budget. A header key falls back to the client IP when the header is absent, so
     * clients without it neither share one budget nor escape the limit.
     */
    String rateLimitKey(HttpServerRequest request, RouteSettings route, RateLimitRule rule) {
        String base = "ballast:rl:" + route.name() + ":";
        if (rule.key() == RateLimitRule.KeySource.ROUTE) {
            return base + "route";
        }
        if (rule.key() == RateLimitRule.KeySource.HEADER) {
            String value = request.getHeader(rule.header());
            if (value != null && !value.isEmpty()) {
                // The header is often a secret (an API key): only a digest of it goes into the Redis key name, so
                // KEYS, MONITOR, slow logs and dumps never show it. SHA-256, hex, the first 32 characters (128 bits).
                byte[] digest = SHA_256.get().digest(value.getBytes(StandardCharsets.UTF_8));
                return base + "h:" + HexFormat.of().formatHex(digest, 0, 16);
            }
        }
        return base + "ip:" + clientIp(request, peer(request));
    }

    /**
     * The client address for a request from {@code peer} (as {@link #peer} gives it): the peer itself without a
     * forwarding header, which skips the resolver's parsing on the common path.
     */
    String clientIp(HttpServerRequest request, String peer) {
        String forwarding = forwardingHeader(request);
        return forwarding == null ? peer : clientIp.resolve(peer, forwarding);
    }

    /**
     * The TCP peer's address in the resolver's canonical form. Java writes an IPv6 peer in full
     * ("0:0:0:0:0:0:0:1", a link-local one with its %zone) while the resolver answers "::1": used raw when no
     * forwarding header came, one client would have two rate-limit budgets and hash keys.
     */
    static String peer(HttpServerRequest request) {
        return TrustedProxyClientIp.canonical(request.remoteAddress() == null ? "0.0.0.0"
                : request.remoteAddress().hostAddress());
    }

    /**
     * The configured forwarding header, every line of it (RFC 9110 §5.3), for {@link TrustedProxyClientIp#resolve};
     * null when absent, or when no peer is trusted and it would be ignored anyway.
     */
    private String forwardingHeader(HttpServerRequest request) {
        return hasTrustedProxies ? ForwardedHeaders.joined(request.headers(), clientIpHeader) : null;
    }

    /**
     * 128 random bits as 32 hex characters: unique enough to correlate logs, cheaper than UUID formatting. An ASCII
     * string over its own bytes: no char[] and no copy, and header encoding writes it as one block.
     */
    static AsciiString newRequestId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = random.nextLong();
        long low = random.nextLong();
        byte[] bytes = new byte[32];
        for (int i = 15; i >= 0; i--) {
            bytes[i] = HEX[(int) (high & 0xf)];
            high >>>= 4;
            bytes[16 + i] = HEX[(int) (low & 0xf)];
            low >>>= 4;
        }
        return new AsciiString(bytes, false);
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
