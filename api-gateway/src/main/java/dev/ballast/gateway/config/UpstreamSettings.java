package dev.ballast.gateway.config;

import dev.ballast.gateway.tls.UpstreamTls;
import dev.ballast.lb.EndpointSpec;
import dev.ballast.lb.PoolConfig;

import java.util.List;
import java.util.Optional;

/**
 * One validated upstream: its static endpoints (empty when {@code kubernetes} discovers them), the library pool
 * settings, where the hash key comes from ({@code hashHeader}/{@code hashCookie}, both null for the client IP),
 * connection caps, the optional probe and how to speak TLS to the endpoints ({@link UpstreamTls#PLAIN} for plain HTTP).
 */
public record UpstreamSettings(String name, String strategy, List<EndpointSpec> endpoints, PoolConfig poolConfig,
                               String hashHeader, String hashCookie, int maxConnectionsPerEndpoint,
                               int maxPendingPerEndpoint, long keepAliveTimeoutMillis, Optional<ProbeSettings> probe,
                               Optional<KubernetesService> kubernetes, UpstreamTls tls) {

    public UpstreamSettings {
        endpoints = List.copyOf(endpoints);
    }
}
