package dev.ballast.gateway.config;

import java.util.Set;

/**
 * One validated route. {@code host} is null when any host matches, {@code methods} empty when any method matches,
 * {@code rewriteTo} null when the path is forwarded unchanged ("" strips the prefix).
 */
public record RouteSettings(String name, String prefix, String host, Set<String> methods, String upstream,
                            String rewriteTo, boolean idempotent, boolean preserveHost, long maxBodySize,
                            TimeoutSettings timeouts, RetrySettings retries) {

    public RouteSettings {
        methods = Set.copyOf(methods);
    }
}
