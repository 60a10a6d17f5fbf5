package dev.ballast.gateway.config;

import dev.ballast.gateway.tls.ServerTlsConfig;
import dev.ballast.gateway.tls.UpstreamTlsConfig;
import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Raw {@code ballast.gateway.*} configuration as the user wrote it. {@link GatewaySettings#from} checks it and turns
 * it into immutable settings; every key is documented in the module README.
 */
@ConfigMapping(prefix = "ballast.gateway")
public interface GatewayConfig {

    /** Routes by name: which requests go to which upstream. */
    Map<String, Route> routes();

    /** Upstream pools by name. */
    Map<String, Upstream> upstreams();

    ClientIp clientIp();

    Admin admin();

    Limits limits();

    Readiness readiness();

    /** What every route's rate limit shares: the replica count and the Redis answer budget. */
    RateLimits rateLimit();

    /** Header that carries the request id to the upstream and back to the client. */
    @WithDefault("X-Request-Id")
    String requestIdHeader();

    /**
     * A YAML file (e.g. a mounted ConfigMap) holding {@code ballast.gateway.routes} and {@code upstreams}: when set,
     * routes and upstreams come from it (at start-up and whenever it changes) instead of from the other sources.
     */
    Optional<String> configFile();

    /** {@link #configFile()} as a path, trimmed; empty when unset or blank (the one reading of the key). */
    default Optional<java.nio.file.Path> configFilePath() {
        return configFile().map(String::trim).filter(file -> !file.isEmpty()).map(java.nio.file.Path::of);
    }

    /** TLS termination on the traffic port and the HTTP-to-HTTPS redirect (keys and checks in the tls package). */
    ServerTlsConfig tls();

    interface Route {
        /** Path prefix, starting with '/'. The longest matching prefix wins. */
        String prefix();

        /** Only requests whose Host (without port) equals this value, case-insensitive. */
        Optional<String> host();

        /** Only these methods (upper case). Absent means every method. */
        Optional<List<String>> methods();

        /** Name of the upstream that serves this route. */
        String upstream();

        /** Remove the prefix before forwarding ("/api/v1/x" with prefix "/api" goes out as "/v1/x"). */
        @WithDefault("false")
        boolean stripPrefix();

        /** Replace the prefix with this value before forwarding (wins over strip-prefix). */
        Optional<String> rewritePrefix();

        /** Treat every method on this route as idempotent for retries (e.g. a POST search API). */
        @WithDefault("false")
        boolean idempotent();

        /** Send the client's Host header upstream (true) or the endpoint's host:port (false). */
        @WithDefault("true")
        boolean preserveHost();

        /** Overrides ballast.gateway.limits.max-body-size for this route. */
        Optional<MemorySize> maxBodySize();

        Timeouts timeouts();

        Retries retries();

        RouteRateLimit rateLimit();
    }

    interface RouteRateLimit {
        /** Sustained rate: 10/s, 600/m or 1000/h. Absent means the route is not rate limited. */
        Optional<String> rate();

        /** Requests allowed back to back on a full budget (nginx burst + 1). */
        @WithDefault("1")
        long burst();

        /** What a budget is counted per: client-ip (trusted-proxy resolver), header:<Name> or route. */
        @WithDefault("client-ip")
        String key();

        /** When Redis cannot decide: open (this replica's local share decides) or closed (503). */
        @WithDefault("open")
        String failMode();
    }

    interface RateLimits {
        /** Gateway replicas sharing the budgets: while Redis is away each replica allows rate/replicas. */
        @WithDefault("1")
        int replicas();

        /** Longest wait for Redis per decision; then the local limiter decides. */
        @WithDefault("50ms")
        Duration redisTimeout();
    }

    interface Timeouts {
        /** Obtaining a connection to an endpoint (TCP connect, or waiting for a pooled connection). */
        @WithDefault("5s")
        Duration connect();

        /** From the end of the request to the response headers (per try). */
        @WithDefault("60s")
        Duration responseHeaders();

        /** Longest silence between two chunks of the response body (SSE keeps streaming as long as events flow). */
        @WithDefault("60s")
        Duration idle();

        /** Whole exchange including retries; 0 means no limit (the right choice for long streams). */
        @WithDefault("0s")
        Duration total();
    }

    interface Retries {
        /** Total tries including the first one; 1 turns retries off. */
        @WithDefault("3")
        int maxTries();

        /** Upstream statuses that make an idempotent request try another endpoint. */
        @WithDefault("502,503,504")
        List<Integer> statuses();

        /** Base of the full-jitter exponential backoff between tries (Envoy: 25 ms). */
        @WithDefault("25ms")
        Duration backoffBase();

        /** Cap of the backoff (Envoy: ten times the base). */
        @WithDefault("250ms")
        Duration backoffMax();

        /** Request bodies up to this size are kept in memory so they can be sent again; larger ones stream once. */
        @WithDefault("64K")
        MemorySize replayableBodySize();

        /** Retries may be at most this percentage of the upstream's active requests (Envoy retry budget). */
        @WithDefault("20")
        double budgetPercent();

        /** ...but at least this many concurrent retries are always allowed. */
        @WithDefault("3")
        int budgetMinConcurrency();
    }

    interface Upstream {
        /** Static endpoints: "host:port", optionally followed by ";weight=N" and ";zone=Z". Exclusive with kubernetes. */
        Optional<List<String>> endpoints();

        /** Endpoints discovered from a Kubernetes Service's EndpointSlices instead of static ones. */
        Kubernetes kubernetes();

        /** round-robin, least-conn, ip-hash, consistent-hash, least-request or random. */
        @WithDefault("round-robin")
        String strategy();

        /** consistent-hash key: client-ip, header:NAME or cookie:NAME. */
        @WithDefault("client-ip")
        String hashKey();

        /** consistent-hash bounded-load factor (e.g. 1.25); 0 turns the bound off. */
        @WithDefault("0")
        double boundedLoadFactor();

        /** least-request: dynamic weight = weight / (active + 1)^bias (Envoy). */
        @WithDefault("1.0")
        double activeRequestBias();

        /** Below this fraction of usable endpoints the pool ignores health (Envoy panic threshold). */
        @WithDefault("0.5")
        double panicThreshold();

        /** New or recovered endpoints ramp their weight up over this window; 0 turns it off. */
        @WithDefault("0s")
        Duration slowStart();

        /** Keep-alive connections per endpoint (the circuit-breaker cap on concurrent requests). */
        @WithDefault("64")
        int maxConnectionsPerEndpoint();

        /** Requests waiting for a pooled connection per endpoint; beyond it: 503 with Retry-After. */
        @WithDefault("256")
        int maxPendingPerEndpoint();

        /** Idle pooled connections are closed after this long. */
        @WithDefault("60s")
        Duration keepAliveTimeout();

        Passive passive();

        Outlier outlier();

        Health health();

        /** HTTPS to this upstream's endpoints (keys and checks in the tls package). */
        UpstreamTlsConfig tls();
    }

    /** The Kubernetes Service whose EndpointSlices (discovery.k8s.io/v1) are this upstream's endpoints. */
    interface Kubernetes {
        /** Service name; setting it turns discovery on for the upstream. */
        Optional<String> service();

        /** Namespace of the Service; absent means the gateway pod's own namespace. */
        Optional<String> namespace();

        /** Port name (as in the Service) or number (the endpoint's port); absent means the slices' only port. */
        Optional<String> port();
    }

    /** nginx max_fails / fail_timeout. */
    interface Passive {
        @WithDefault("1")
        int maxFails();

        @WithDefault("10s")
        Duration failTimeout();
    }

    /** Envoy outlier detection. */
    interface Outlier {
        @WithName("consecutive-5xx")
        @WithDefault("5")
        int consecutive5xx();

        @WithDefault("5")
        int consecutiveGatewayFailures();

        @WithDefault("30s")
        Duration baseEjectionTime();

        @WithDefault("300s")
        Duration maxEjectionTime();

        @WithDefault("10")
        int maxEjectionPercent();
    }

    /** Active health probes (HAProxy rise/fall, Envoy jitter). */
    interface Health {
        /** Probe path; absent means no active probes for this upstream. */
        Optional<String> path();

        @WithDefault("5s")
        Duration interval();

        @WithDefault("2s")
        Duration timeout();

        /** Random extra delay added to each interval, as a fraction of it (0.2 = up to 20 %). */
        @WithDefault("0.2")
        double jitter();

        @WithDefault("200")
        List<Integer> expectedStatuses();

        @WithDefault("2")
        int rise();

        @WithDefault("3")
        int fall();

        /** Whether endpoints take traffic before their first probe (Envoy marks them healthy after one success). */
        @WithDefault("true")
        boolean initialHealthy();
    }

    interface ClientIp {
        /** Peers (CIDRs or single addresses) whose X-Forwarded-For / Forwarded headers are believed. */
        Optional<List<String>> trustedProxies();

        /**
         * The one header believed from trusted proxies, x-forwarded-for or forwarded (nginx real_ip_header): the one
         * they append to. The other is ignored, since a proxy passes it through from the client unchanged.
         */
        @WithDefault("x-forwarded-for")
        String header();
    }

    interface Admin {
        /** Bearer token for /admin/*; absent means the admin API is open (a warning is logged at start). */
        Optional<String> token();
    }

    interface Limits {
        /** Largest request body; beyond it the client gets 413. */
        @WithDefault("10M")
        MemorySize maxBodySize();

        /** Largest request head (request line and headers); applied to the traffic listener (431 beyond it). */
        @WithDefault("20K")
        MemorySize maxHeaderSize();

        /** A client connection with no traffic for this long is closed (slow clients cannot hold it forever). */
        @WithDefault("120s")
        Duration clientIdleTimeout();

        /** Concurrent client connections on the traffic port. */
        @WithDefault("10000")
        int maxConnections();
    }

    interface Readiness {
        /** all-routes (every route has a usable endpoint), any-route, or always. */
        @WithDefault("all-routes")
        String mode();
    }
}
