package dev.ballast.gateway.metrics;

import dev.ballast.gateway.config.RouteSettings;
import dev.ballast.gateway.ratelimit.RateLimiter;
import dev.ballast.gateway.upstream.UpstreamRuntime;
import dev.ballast.gateway.upstream.Upstreams;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.EndpointState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Registers every gateway meter up front: per-route request meters, per-upstream circuit-breaker rejections and
 * unmatched requests, and per-endpoint in-flight, health and ejection meters read from the library's pool state.
 */
public final class GatewayMetrics {

    private final Map<String, RouteMeters> routes = new HashMap<>();
    private final Map<String, Counter> rejections = new HashMap<>();
    private final Counter unmatched;
    private final Map<String, Counter> rateLimited = new HashMap<>();
    private final MeterRegistry registry;

    public GatewayMetrics(MeterRegistry registry, List<RouteSettings> routeSettings, Upstreams upstreams) {
        this.registry = registry;
        for (RouteSettings route : routeSettings) {
            routes.put(route.name(), new RouteMeters(registry, route.name(), route.upstream()));
            if (route.rateLimit() != null) {
                rateLimited.put(route.name(), Counter.builder("ballast.gateway.rate.limited")
                        .description("Requests refused with 429 by the route's rate limit")
                        .tag("route", route.name()).register(registry));
            }
        }
        unmatched = Counter.builder("ballast.gateway.unmatched.requests")
                .description("Requests that matched no route (answered 404)").register(registry);
        for (UpstreamRuntime upstream : upstreams.all()) {
            String name = upstream.name();
            rejections.put(name, Counter.builder("ballast.gateway.circuit.breaker.rejections")
                    .description("Requests refused with 503 because every endpoint was at its connection and "
                            + "pending-request cap")
                    .tag("upstream", name).register(registry));
            for (Endpoint endpoint : upstream.pool().endpoints()) {
                String id = endpoint.id();
                Gauge.builder("ballast.gateway.endpoint.in.flight", endpoint, Endpoint::inFlight)
                        .description("Requests and streams in flight to the endpoint")
                        .tag("upstream", name).tag("endpoint", id).register(registry);
                Gauge.builder("ballast.gateway.endpoint.healthy", upstream, u -> healthy(u, id))
                        .description("1 when the endpoint takes traffic, 0 when unhealthy, ejected, failed or "
                                + "draining")
                        .tag("upstream", name).tag("endpoint", id).register(registry);
                FunctionCounter.builder("ballast.gateway.endpoint.ejections", upstream, u -> ejections(u, id))
                        .description("Times outlier detection ejected the endpoint")
                        .tag("upstream", name).tag("endpoint", id).register(registry);
            }
        }
    }

    public RouteMeters route(String name) {
        return routes.get(name);
    }

    public void rejected(String upstream) {
        Counter counter = rejections.get(upstream);
        if (counter != null) {
            counter.increment();
        }
    }

    public void rateLimited(String route) {
        Counter counter = rateLimited.get(route);
        if (counter != null) {
            counter.increment();
        }
    }

    /** Who decides: Redis (one budget for all replicas) or this replica's local share. */
    public void rateLimiter(RateLimiter limiter) {
        FunctionCounter.builder("ballast.gateway.rate.limit.decisions", limiter, RateLimiter::redisDecisions)
                .description("Rate-limit decisions made by the shared Redis budget").tag("source", "redis")
                .register(registry);
        FunctionCounter.builder("ballast.gateway.rate.limit.decisions", limiter, RateLimiter::localDecisions)
                .description("Rate-limit decisions made by this replica's local share while Redis was away")
                .tag("source", "local")
                .register(registry);
        Gauge.builder("ballast.gateway.rate.limit.redis.up", limiter, l -> l.redisUp() ? 1 : 0)
                .description("1 while Redis decides rate limits, 0 while the local fallback does")
                .register(registry);
    }

    public void unmatched() {
        unmatched.increment();
    }

    /** One O(1) id lookup and one endpoint's state per sample: a scrape costs O(endpoints), not O(endpoints²). */
    private static double healthy(UpstreamRuntime upstream, String id) {
        EndpointState state = find(upstream, id);
        return state != null && "healthy".equals(state.health()) && !state.draining() ? 1 : 0;
    }

    private static double ejections(UpstreamRuntime upstream, String id) {
        EndpointState state = find(upstream, id);
        return state == null ? 0 : state.ejectionCount();
    }

    /** By id, so an endpoint removed by an update reads as gone rather than as its last state. */
    private static EndpointState find(UpstreamRuntime upstream, String id) {
        Endpoint endpoint = upstream.pool().endpoint(id);
        return endpoint == null ? null : endpoint.state();
    }
}
