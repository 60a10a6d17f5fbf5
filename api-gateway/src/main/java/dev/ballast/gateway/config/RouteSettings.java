package dev.ballast.gateway.config;

import dev.ballast.gateway.ratelimit.RateLimitRule;

import java.util.Set;

/**
 * One validated route. {@code host} is null when any host matches, {@code methods} empty when any method matches,
 * {@code rewriteTo} null when the path is forwarded unchanged ("" strips the prefix), {@code rateLimit} null when the
 * route is not rate limited.
 */
public record RouteSettings(String name, String prefix, String host, Set<String> methods, String upstream,
                            String rewriteTo, boolean idempotent, boolean preserveHost, long maxBodySize,
                            TimeoutSettings timeouts, RetrySettings retries, RateLimitRule rateLimit) {

    public RouteSettings {
        methods = Set.copyOf(methods);
    }
}
