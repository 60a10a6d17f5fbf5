package dev.ballast.gateway.metrics;

import dev.ballast.gateway.config.RouteSettings;
import dev.ballast.gateway.ratelimit.RateLimiter;
import dev.ballast.gateway.server.TrafficServer;
import dev.ballast.gateway.upstream.UpstreamRuntime;
import dev.ballast.gateway.upstream.Upstreams;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.EndpointState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.distribution.pause.NoPauseDetector;
import org.jboss.logging.Logger;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Registers every gateway meter (up front, and again for what a reload or discovery adds): per-route request meters, per-upstream circuit-breaker rejections and
 * unmatched requests, and per-endpoint in-flight, health and ejection meters read from the library's pool state.
 */
public final class GatewayMetrics {

    private static final Logger LOG = Logger.getLogger(GatewayMetrics.class);

    private final Map<String, RouteMeters> routes = new ConcurrentHashMap<>();
    private final Map<String, Counter> rejections = new ConcurrentHashMap<>();
    private final Counter unmatched;
    private final Map<String, Counter> rateLimited = new ConcurrentHashMap<>();
    private final MeterRegistry registry;
    /** Endpoint meters by "upstream/endpoint", so that endpoints which leave (discovery, reloads) take theirs along. */
    private final Map<String, List<Meter>> endpointMeters = new HashMap<>();

    public GatewayMetrics(MeterRegistry registry, List<RouteSettings> routeSettings, Upstreams upstreams) {
        this.registry = direct(registry);
        unmatched = Counter.builder("ballast.gateway.unmatched.requests")
                .description("Requests that matched no route (answered 404)").register(this.registry);
        sync(routeSettings, upstreams);
    }

    /**
     * The registry the gateway's meters are registered in. Quarkus hands out a composite over its one Prometheus
     * registry; every request records through four meters, and through the composite each record walks its children
     * and timers read the clock once more: 2.8 % of the gateway's CPU per proxied request (async-profiler, wrk
     * against one fast backend), almost none of it in the Prometheus meters themselves. So the meters go straight to
     * the one registry behind the composite (with two or more registries, the composite stays).
     * <p>
     * Timers here record without Micrometer's pause detector: it reads the clock on every record to estimate the
     * interval between records, and after a JVM pause adds made-up samples for requests that never existed. A proxy
     * measures its real requests, which carry any pause in their own durations.
     */
    static MeterRegistry direct(MeterRegistry registry) {
        MeterRegistry target = registry;
        if (registry instanceof CompositeMeterRegistry composite && composite.getRegistries().size() == 1) {
            target = composite.getRegistries().iterator().next();
        }
        LOG.debugf("Gateway meters go to %s (a registry added to the composite later does not get them)",
                target.getClass().getSimpleName());
        target.config().pauseDetector(new NoPauseDetector());
        return target;
    }

    /**
     * Registers the meters of routes, upstreams and endpoints that are new (a reload, discovery) and removes those of
     * endpoints that left, so per-endpoint series stay bounded by the endpoints that exist. Route and upstream meters
     * stay once registered (their names come from the configuration, and a counter should not restart at zero when a
     * route comes back); a route sent to another upstream gets meters with the new upstream label.
     */
    public synchronized void sync(List<RouteSettings> routeSettings, Upstreams upstreams) {
        for (RouteSettings route : routeSettings) {
            routes.compute(route.name(), (name, meters) -> meters != null && meters.upstream().equals(route.upstream())
                    ? meters : new RouteMeters(registry, route.name(), route.upstream()));
            if (route.rateLimit() != null) {
                rateLimited.computeIfAbsent(route.name(), name -> Counter.builder("ballast.gateway.rate.limited")
                        .description("Requests refused with 429 by the route's rate limit")
                        .tag("route", name).register(registry));
            }
        }
        Set<String> present = new HashSet<>();
        for (UpstreamRuntime upstream : upstreams.all()) {
            String name = upstream.name();
            rejections.computeIfAbsent(name, n -> Counter.builder("ballast.gateway.circuit.breaker.rejections")
                    .description("Requests refused with 503 because every endpoint was at its connection and "
                            + "pending-request cap")
                    .tag("upstream", n).register(registry));
            for (Endpoint endpoint : upstream.pool().endpoints()) {
                String id = endpoint.id();
                String key = name + "/" + id;
                present.add(key);
                endpointMeters.computeIfAbsent(key, k -> List.of(
                        Gauge.builder("ballast.gateway.endpoint.in.flight", upstreams, u -> inFlight(u, name, id))
                                .description("Requests and streams in flight to the endpoint")
                                .tag("upstream", name).tag("endpoint", id).register(registry),
                        Gauge.builder("ballast.gateway.endpoint.healthy", upstreams, u -> healthy(u, name, id))
                                .description("1 when the endpoint takes traffic, 0 when unhealthy, ejected, failed or "
                                        + "draining")
                                .tag("upstream", name).tag("endpoint", id).register(registry),
                        FunctionCounter.builder("ballast.gateway.endpoint.ejections", upstreams,
                                        u -> ejections(u, name, id))
                                .description("Times outlier detection ejected the endpoint")
                                .tag("upstream", name).tag("endpoint", id).register(registry)));
            }
        }
        endpointMeters.entrySet().removeIf(entry -> {
            if (present.contains(entry.getKey())) {
                return false;
            }
            entry.getValue().forEach(registry::remove);
            return true;
        });
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

    /** Open client connections on the traffic port and those closed on arrival by the connection cap. */
    public void trafficServer(TrafficServer server) {
        Gauge.builder("ballast.gateway.client.connections", server, TrafficServer::openConnections)
                .description("Client connections open on the traffic port").register(registry);
        FunctionCounter.builder("ballast.gateway.client.connections.refused", server,
                        TrafficServer::refusedConnections)
                .description("Client connections closed on arrival because limits.max-connections were open")
                .register(registry);
    }

    public void unmatched() {
        unmatched.increment();
    }

    /** One O(1) id lookup and one endpoint's state per sample: a scrape costs O(endpoints), not O(endpoints²). */
    private static double healthy(Upstreams upstreams, String upstream, String id) {
        EndpointState state = find(upstreams, upstream, id);
        return state != null && "healthy".equals(state.health()) && !state.draining() ? 1 : 0;
    }

    private static double ejections(Upstreams upstreams, String upstream, String id) {
        EndpointState state = find(upstreams, upstream, id);
        return state == null ? 0 : state.ejectionCount();
    }

    private static double inFlight(Upstreams upstreams, String upstream, String id) {
        Endpoint endpoint = endpoint(upstreams, upstream, id);
        return endpoint == null ? 0 : endpoint.inFlight();
    }

    /**
     * By name and id in the current upstreams, so an endpoint removed by an update reads as gone rather than as its
     * last state, and a reload that gave the upstream a new pool is followed.
     */
    private static EndpointState find(Upstreams upstreams, String upstream, String id) {
        Endpoint endpoint = endpoint(upstreams, upstream, id);
        return endpoint == null ? null : endpoint.state();
    }

    private static Endpoint endpoint(Upstreams upstreams, String upstream, String id) {
        UpstreamRuntime runtime = upstreams.get(upstream);
        return runtime == null ? null : runtime.pool().endpoint(id);
    }
}
