package dev.ballast.gateway.config;

import dev.ballast.gateway.ratelimit.Rate;
import dev.ballast.gateway.ratelimit.RateLimitRule;
import dev.ballast.gateway.tls.UpstreamTls;
import dev.ballast.lb.ClientIpHeader;
import dev.ballast.lb.EndpointSpec;
import dev.ballast.lb.HashKeySource;
import dev.ballast.lb.PoolConfig;
import dev.ballast.lb.StrategyConfig;
import dev.ballast.lb.TrustedProxyClientIp;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The whole gateway configuration after validation: immutable, with every cross-reference checked. {@link #from}
 * is the only way in, so a gateway that starts has a configuration that can work; anything else fails start-up
 * with an {@link InvalidGatewayConfigException} naming the key.
 */
public record GatewaySettings(List<RouteSettings> routes, Map<String, UpstreamSettings> upstreams,
                              List<String> trustedProxies, ClientIpHeader clientIpHeader,
                              Optional<String> adminToken, String requestIdHeader,
                              ReadinessMode readiness, int rateLimitReplicas, long redisTimeoutMillis) {

    private static final String PREFIX = "ballast.gateway.";
    private static final Pattern METHOD = Pattern.compile("[A-Z]+");
    private static final Set<String> STRATEGIES =
            Set.of("round-robin", "least-conn", "ip-hash", "consistent-hash", "least-request", "random");

    public enum ReadinessMode { ALL_ROUTES, ANY_ROUTE, ALWAYS }

    public GatewaySettings {
        routes = List.copyOf(routes);
        upstreams = Map.copyOf(upstreams);
        trustedProxies = List.copyOf(trustedProxies);
    }

    /**
     * Validates the configuration. With {@code ballast.gateway.config-file} set, routes and upstreams come from that
     * file instead (see {@link GatewayConfigFile}).
     */
    public static GatewaySettings from(GatewayConfig config) {
        return from(config, config.configFilePath().map(GatewayConfigFile::readBytes).orElse(null));
    }

    /**
     * As {@link #from(GatewayConfig)}, with the configuration file's content already read ({@code null} without a
     * file): the caller keeps exactly the bytes that were applied, so a file changed right after it was read is
     * still seen as a change.
     */
    public static GatewaySettings from(GatewayConfig config, byte[] configFileContent) {
        if (configFileContent != null) {
            String name = config.configFilePath().map(Path::toString).orElse(GatewayConfigFile.KEY);
            return validate(GatewayConfigFile.parse(GatewayConfigFile.decode(configFileContent, name), name, config));
        }
        return validate(config);
    }

    /** Validates {@code config} as it is: the same rules at start-up and for every reload. */
    public static GatewaySettings validate(GatewayConfig config) {
        Map<String, UpstreamSettings> upstreams = new LinkedHashMap<>();
        new TreeMap<>(config.upstreams()).forEach((name, upstream) -> upstreams.put(name, upstream(name, upstream)));

        long defaultMaxBody = config.limits().maxBodySize().asLongValue();
        List<RouteSettings> routes = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        new TreeMap<>(config.routes()).forEach((name, route) -> {
            RouteSettings settings = route(name, route, upstreams, defaultMaxBody);
            String identity = settings.prefix() + " host=" + settings.host() + " methods="
                    + new java.util.TreeSet<>(settings.methods());
            String other = seen.putIfAbsent(identity, name);
            if (other != null) {
                throw new InvalidGatewayConfigException(PREFIX + "routes." + name + ".prefix",
                        "route '" + other + "' already matches exactly the same prefix, host and methods");
            }
            routes.add(settings);
        });

        List<String> trusted = config.clientIp().trustedProxies().orElse(List.of());
        try {
            TrustedProxyClientIp.of(trusted);
        } catch (IllegalArgumentException e) {
            throw new InvalidGatewayConfigException(PREFIX + "client-ip.trusted-proxies", e.getMessage());
        }
        ClientIpHeader clientIpHeader = clientIpHeader(config.clientIp().header());
        String requestIdHeader = config.requestIdHeader().trim();
        if (requestIdHeader.isEmpty() || requestIdHeader.chars().anyMatch(c -> c <= ' ' || c == ':')) {
            throw new InvalidGatewayConfigException(PREFIX + "request-id-header",
                    "'" + config.requestIdHeader() + "' is not a valid header name");
        }
        Optional<String> token = config.admin().token().map(String::trim).filter(t -> !t.isEmpty());
        int replicas = config.rateLimit().replicas();
        if (replicas < 1) {
            throw new InvalidGatewayConfigException(PREFIX + "rate-limit.replicas", "must be at least 1, was " + replicas);
        }
        long redisTimeout = config.rateLimit().redisTimeout().toMillis();
        if (redisTimeout < 1) {
            throw new InvalidGatewayConfigException(PREFIX + "rate-limit.redis-timeout", "must be at least 1ms");
        }
        return new GatewaySettings(routes, upstreams, trusted, clientIpHeader, token, requestIdHeader,
                readiness(config.readiness().mode()), replicas, redisTimeout);
    }

    /** True when at least one route is rate limited (only then is Redis used at all). */
    public boolean rateLimited() {
        return routes.stream().anyMatch(r -> r.rateLimit() != null);
    }

    private static ClientIpHeader clientIpHeader(String header) {
        return switch (header.trim().toLowerCase(Locale.ROOT)) {
            case "x-forwarded-for" -> ClientIpHeader.X_FORWARDED_FOR;
            case "forwarded" -> ClientIpHeader.FORWARDED;
            default -> throw new InvalidGatewayConfigException(PREFIX + "client-ip.header", "'" + header
                    + "' is not one of x-forwarded-for, forwarded (the header the trusted proxies append to)");
        };
    }

    private static ReadinessMode readiness(String mode) {
        return switch (mode.trim().toLowerCase(Locale.ROOT)) {
            case "all-routes" -> ReadinessMode.ALL_ROUTES;
            case "any-route" -> ReadinessMode.ANY_ROUTE;
            case "always" -> ReadinessMode.ALWAYS;
            default -> throw new InvalidGatewayConfigException(PREFIX + "readiness.mode",
                    "'" + mode + "' is not one of all-routes, any-route, always");
        };
    }

    private static RouteSettings route(String name, GatewayConfig.Route route,
                                       Map<String, UpstreamSettings> upstreams, long defaultMaxBody) {
        String key = PREFIX + "routes." + name + ".";
        String prefix = route.prefix().trim();
        if (!prefix.startsWith("/")) {
            throw new InvalidGatewayConfigException(key + "prefix", "'" + prefix + "' must start with '/'");
        }
        String host = route.host().map(h -> h.trim().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty())
                .orElse(null);
        Set<String> methods = new LinkedHashSet<>();
        for (String method : route.methods().orElse(List.of())) {
            String m = method.trim().toUpperCase(Locale.ROOT);
            if (!METHOD.matcher(m).matches()) {
                throw new InvalidGatewayConfigException(key + "methods", "'" + method + "' is not an HTTP method");
            }
            methods.add(m);
        }
        if (!upstreams.containsKey(route.upstream())) {
            throw new InvalidGatewayConfigException(key + "upstream", "names upstream '" + route.upstream()
                    + "', which is not configured (configured: " + String.join(", ", upstreams.keySet()) + ")");
        }
        String rewriteTo = null;
        if (route.rewritePrefix().isPresent()) {
            rewriteTo = route.rewritePrefix().get().trim();
            if (!rewriteTo.startsWith("/")) {
                throw new InvalidGatewayConfigException(key + "rewrite-prefix",
                        "'" + rewriteTo + "' must start with '/'");
            }
        } else if (route.stripPrefix()) {
            rewriteTo = "";
        }
        long maxBody = route.maxBodySize().map(s -> s.asLongValue()).orElse(defaultMaxBody);
        if (maxBody < 0) {
            throw new InvalidGatewayConfigException(key + "max-body-size", "must not be negative");
        }
        return new RouteSettings(name, prefix, host, methods, route.upstream(), rewriteTo, route.idempotent(),
                route.preserveHost(), maxBody, timeouts(key + "timeouts.", route.timeouts()),
                retries(key + "retries.", route.retries()), rateLimit(key + "rate-limit.", route.rateLimit()));
    }

    private static RateLimitRule rateLimit(String key, GatewayConfig.RouteRateLimit limit) {
        if (limit.rate().isEmpty()) {
            return null;
        }
        Rate rate;
        try {
            rate = Rate.parse(limit.rate().get());
        } catch (IllegalArgumentException e) {
            throw new InvalidGatewayConfigException(key + "rate", e.getMessage());
        }
        if (limit.burst() < 1) {
            throw new InvalidGatewayConfigException(key + "burst", "must be at least 1, was " + limit.burst());
        }
        String source = limit.key().trim();
        RateLimitRule.KeySource keySource;
        String header = null;
        if (source.equals("client-ip")) {
            keySource = RateLimitRule.KeySource.CLIENT_IP;
        } else if (source.equals("route")) {
            keySource = RateLimitRule.KeySource.ROUTE;
        } else if (source.startsWith("header:") && source.length() > 7
                && source.substring(7).chars().noneMatch(c -> c <= ' ' || c == ':')) {
            keySource = RateLimitRule.KeySource.HEADER;
            header = source.substring(7);
        } else {
            throw new InvalidGatewayConfigException(key + "key",
                    "'" + limit.key() + "' is not one of client-ip, header:<Name>, route");
        }
        RateLimitRule.FailMode failMode = switch (limit.failMode().trim().toLowerCase(Locale.ROOT)) {
            case "open" -> RateLimitRule.FailMode.OPEN;
            case "closed" -> RateLimitRule.FailMode.CLOSED;
            default -> throw new InvalidGatewayConfigException(key + "fail-mode",
                    "'" + limit.failMode() + "' is not one of open, closed");
        };
        return new RateLimitRule(rate, limit.burst(), keySource, header, failMode);
    }

    private static TimeoutSettings timeouts(String key, GatewayConfig.Timeouts t) {
        long connect = millis(key + "connect", t.connect());
        if (connect == 0) {
            throw new InvalidGatewayConfigException(key + "connect", "must be positive");
        }
        return new TimeoutSettings(connect, millis(key + "response-headers", t.responseHeaders()),
                millis(key + "idle", t.idle()), millis(key + "total", t.total()));
    }

    private static RetrySettings retries(String key, GatewayConfig.Retries r) {
        if (r.maxTries() < 1) {
            throw new InvalidGatewayConfigException(key + "max-tries", "must be at least 1 (1 means no retries)");
        }
        Set<Integer> statuses = statuses(key + "statuses", r.statuses());
        long base = millis(key + "backoff-base", r.backoffBase());
        long max = millis(key + "backoff-max", r.backoffMax());
        if (max < base) {
            throw new InvalidGatewayConfigException(key + "backoff-max", "must not be below backoff-base (" + base
                    + " ms)");
        }
        if (r.budgetPercent() < 0 || r.budgetPercent() > 100) {
            throw new InvalidGatewayConfigException(key + "budget-percent", "must be within 0..100");
        }
        if (r.budgetMinConcurrency() < 0) {
            throw new InvalidGatewayConfigException(key + "budget-min-concurrency", "must not be negative");
        }
        return new RetrySettings(r.maxTries(), statuses, base, max, r.replayableBodySize().asLongValue(),
                r.budgetPercent(), r.budgetMinConcurrency());
    }

    private static UpstreamSettings upstream(String name, GatewayConfig.Upstream u) {
        String key = PREFIX + "upstreams." + name + ".";
        Optional<KubernetesService> kubernetes = kubernetes(key + "kubernetes.", u);
        List<EndpointSpec> endpoints = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (String raw : u.endpoints().orElse(List.of())) {
            EndpointSpec spec = endpoint(key + "endpoints", raw);
            if (!ids.add(spec.id())) {
                throw new InvalidGatewayConfigException(key + "endpoints", "endpoint " + spec.id()
                        + " is listed twice");
            }
            endpoints.add(spec);
        }
        if (endpoints.isEmpty() && kubernetes.isEmpty()) {
            throw new InvalidGatewayConfigException(key + "endpoints",
                    "needs at least one host:port, or kubernetes.service to discover them");
        }
        String strategy = u.strategy().trim().toLowerCase(Locale.ROOT);
        if (!STRATEGIES.contains(strategy)) {
            throw new InvalidGatewayConfigException(key + "strategy", "'" + u.strategy() + "' is not one of "
                    + String.join(", ", new java.util.TreeSet<>(STRATEGIES)));
        }
        String hashHeader = null;
        String hashCookie = null;
        HashKeySource hashKey;
        String rawKey = u.hashKey().trim();
        if (rawKey.equalsIgnoreCase("client-ip")) {
            hashKey = HashKeySource.clientIp();
        } else if (rawKey.regionMatches(true, 0, "header:", 0, 7) && rawKey.length() > 7) {
            hashHeader = rawKey.substring(7).trim();
            hashKey = HashKeySource.header(hashHeader);
        } else if (rawKey.regionMatches(true, 0, "cookie:", 0, 7) && rawKey.length() > 7) {
            hashCookie = rawKey.substring(7).trim();
            hashKey = HashKeySource.cookie(hashCookie);
        } else {
            throw new InvalidGatewayConfigException(key + "hash-key", "'" + u.hashKey()
                    + "' is not client-ip, header:NAME or cookie:NAME");
        }
        if (!strategy.equals("consistent-hash")) {
            hashHeader = null;
            hashCookie = null;
        }
        if (u.maxConnectionsPerEndpoint() < 1) {
            throw new InvalidGatewayConfigException(key + "max-connections-per-endpoint", "must be at least 1");
        }
        if (u.maxPendingPerEndpoint() < 0) {
            throw new InvalidGatewayConfigException(key + "max-pending-per-endpoint", "must not be negative");
        }
        PoolConfig poolConfig = poolConfig(key, u, strategy, hashKey);
        return new UpstreamSettings(name, strategy, endpoints, poolConfig, hashHeader, hashCookie,
                u.maxConnectionsPerEndpoint(), u.maxPendingPerEndpoint(),
                millis(key + "keep-alive-timeout", u.keepAliveTimeout()), probe(key + "health.", u.health()), kubernetes,
                UpstreamTls.from(name, u.tls()));
    }

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    /** Kubernetes naming rules (RFC 1123 labels, IANA service names for ports), checked so typos fail at start. */
    private static Optional<KubernetesService> kubernetes(String key, GatewayConfig.Upstream u) {
        GatewayConfig.Kubernetes k = u.kubernetes();
        Optional<String> service = k.service().map(String::trim).filter(v -> !v.isEmpty());
        if (service.isEmpty()) {
            if (k.namespace().isPresent() || k.port().isPresent()) {
                throw new InvalidGatewayConfigException(key + "service",
                        "is required when kubernetes.namespace or kubernetes.port is set");
            }
            return Optional.empty();
        }
        if (u.endpoints().isPresent() && !u.endpoints().get().isEmpty()) {
            throw new InvalidGatewayConfigException(key + "service", "is exclusive with "
                    + key.substring(0, key.length() - "kubernetes.".length()) + "endpoints: an upstream has static "
                    + "endpoints or discovers them, not both");
        }
        String name = service.get();
        if (name.length() > 63 || !DNS_LABEL.matcher(name).matches()) {
            throw new InvalidGatewayConfigException(key + "service", "'" + name + "' is not a Service name "
                    + "(lower-case letters, digits and '-', at most 63 characters)");
        }
        String namespace = k.namespace().map(String::trim).filter(v -> !v.isEmpty()).orElse(null);
        if (namespace != null && (namespace.length() > 63 || !DNS_LABEL.matcher(namespace).matches())) {
            throw new InvalidGatewayConfigException(key + "namespace", "'" + namespace + "' is not a namespace name "
                    + "(lower-case letters, digits and '-', at most 63 characters)");
        }
        String port = k.port().map(String::trim).filter(v -> !v.isEmpty()).orElse(null);
        if (port != null) {
            if (port.chars().allMatch(Character::isDigit)) {
                if (port.length() > 5 || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
                    throw new InvalidGatewayConfigException(key + "port", "'" + port + "' must be within 1..65535");
                }
            } else if (port.length() > 15 || !PORT_NAME.matcher(port).matches()) {
                throw new InvalidGatewayConfigException(key + "port", "'" + port + "' is neither a port number nor "
                        + "a port name (lower-case letters, digits and '-', at most 15 characters)");
            }
        }
        return Optional.of(new KubernetesService(namespace, name, port));
    }

    private static PoolConfig poolConfig(String key, GatewayConfig.Upstream u, String strategy,
                                         HashKeySource hashKey) {
        // Each library call is made separately so that its IllegalArgumentException can name the key it came from.
        StrategyConfig strategyConfig = libraryCall(key + "strategy", () -> switch (strategy) {
            case "least-conn" -> StrategyConfig.leastConn();
            case "ip-hash" -> StrategyConfig.ipHashNginx();
            case "consistent-hash" -> StrategyConfig.consistentHash(hashKey, u.boundedLoadFactor());
            case "least-request" -> StrategyConfig.leastRequest(u.activeRequestBias());
            case "random" -> StrategyConfig.random();
            default -> StrategyConfig.roundRobin();
        });
        PoolConfig.Builder builder = PoolConfig.builder().strategy(strategyConfig);
        libraryCall(key + "passive", () -> builder.passive(u.passive().maxFails(), u.passive().failTimeout()));
        GatewayConfig.Outlier o = u.outlier();
        libraryCall(key + "outlier", () -> builder.outlier(o.consecutive5xx(), o.consecutiveGatewayFailures(),
                o.baseEjectionTime(), o.maxEjectionTime(), o.maxEjectionPercent()));
        GatewayConfig.Health h = u.health();
        libraryCall(key + "health", () -> builder.activeHealth(h.rise(), h.fall(), h.initialHealthy()));
        libraryCall(key + "panic-threshold", () -> builder.panicThreshold(u.panicThreshold()));
        libraryCall(key + "slow-start", () -> builder.slowStart(u.slowStart()));
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            // The library validates on build and starts its messages with its parameter name: map it to our key.
            String message = String.valueOf(e.getMessage());
            String parameter = message.split("[ :]", 2)[0];
            String suffix = LIBRARY_PARAMETERS.get(parameter);
            throw new InvalidGatewayConfigException(suffix == null ? key.substring(0, key.length() - 1)
                    : key + suffix, message);
        }
    }

    private static final Map<String, String> LIBRARY_PARAMETERS = Map.ofEntries(
            Map.entry("panicThreshold", "panic-threshold"),
            Map.entry("slowStart", "slow-start"),
            Map.entry("maxFails", "passive.max-fails"),
            Map.entry("failTimeout", "passive.fail-timeout"),
            Map.entry("consecutive5xx", "outlier.consecutive-5xx"),
            Map.entry("consecutiveGatewayFailures", "outlier.consecutive-gateway-failures"),
            Map.entry("baseEjectionTime", "outlier.base-ejection-time"),
            Map.entry("maxEjectionTime", "outlier.max-ejection-time"),
            Map.entry("maxEjectionPercent", "outlier.max-ejection-percent"),
            Map.entry("rise", "health.rise"),
            Map.entry("fall", "health.fall"),
            Map.entry("boundedLoadFactor", "bounded-load-factor"),
            Map.entry("activeRequestBias", "active-request-bias"));

    private static <T> T libraryCall(String key, java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new InvalidGatewayConfigException(key, String.valueOf(e.getMessage()));
        }
    }

    private static Optional<ProbeSettings> probe(String key, GatewayConfig.Health h) {
        if (h.path().isEmpty()) {
            return Optional.empty();
        }
        String path = h.path().get().trim();
        if (!path.startsWith("/")) {
            throw new InvalidGatewayConfigException(key + "path", "'" + path + "' must start with '/'");
        }
        long interval = millis(key + "interval", h.interval());
        long timeout = millis(key + "timeout", h.timeout());
        if (interval == 0) {
            throw new InvalidGatewayConfigException(key + "interval", "must be positive");
        }
        if (timeout == 0) {
            throw new InvalidGatewayConfigException(key + "timeout", "must be positive");
        }
        if (h.jitter() < 0 || h.jitter() > 1) {
            throw new InvalidGatewayConfigException(key + "jitter", "must be within 0..1 (a fraction of interval)");
        }
        if (h.rise() < 1) {
            throw new InvalidGatewayConfigException(key + "rise", "must be at least 1");
        }
        if (h.fall() < 1) {
            throw new InvalidGatewayConfigException(key + "fall", "must be at least 1");
        }
        return Optional.of(new ProbeSettings(path, interval, timeout, h.jitter(),
                statuses(key + "expected-statuses", h.expectedStatuses())));
    }

    /** "host:port[;weight=N][;zone=Z]"; IPv6 literals go in brackets: "[::1]:8000". */
    static EndpointSpec endpoint(String key, String raw) {
        String[] parts = raw.trim().split(";");
        String address = parts[0].trim();
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new InvalidGatewayConfigException(key, "'" + raw + "' is not host:port");
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new InvalidGatewayConfigException(key, "'" + raw + "' has no numeric port");
        }
        if (port < 1 || port > 65535) {
            throw new InvalidGatewayConfigException(key, "'" + raw + "': port must be within 1..65535");
        }
        int weight = 1;
        String zone = null;
        for (int i = 1; i < parts.length; i++) {
            String option = parts[i].trim();
            int eq = option.indexOf('=');
            String name = eq < 0 ? option : option.substring(0, eq).trim();
            String value = eq < 0 ? "" : option.substring(eq + 1).trim();
            switch (name) {
                case "weight" -> {
                    try {
                        weight = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        throw new InvalidGatewayConfigException(key, "'" + raw + "': weight '" + value
                                + "' is not a number");
                    }
                }
                case "zone" -> zone = value;
                default -> throw new InvalidGatewayConfigException(key, "'" + raw + "': unknown option '" + name
                        + "' (known: weight, zone)");
            }
        }
        try {
            return new EndpointSpec(host + ":" + port, host, port, weight, zone, Map.of());
        } catch (IllegalArgumentException e) {
            throw new InvalidGatewayConfigException(key, "'" + raw + "': " + e.getMessage());
        }
    }

    private static Set<Integer> statuses(String key, List<Integer> values) {
        Set<Integer> statuses = new HashSet<>();
        for (int status : values) {
            if (status < 100 || status > 599) {
                throw new InvalidGatewayConfigException(key, status + " is not an HTTP status (100..599)");
            }
            statuses.add(status);
        }
        return statuses;
    }

    private static long millis(String key, Duration duration) {
        if (duration.isNegative()) {
            throw new InvalidGatewayConfigException(key, "must not be negative");
        }
        return duration.toMillis();
    }
}
