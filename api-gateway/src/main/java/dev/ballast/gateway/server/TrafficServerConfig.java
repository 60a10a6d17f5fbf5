package dev.ballast.gateway.server;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * Where the traffic listener binds and how long it drains on shutdown ({@code ballast.gateway.server.*}). Its client
 * limits stay under {@code ballast.gateway.limits.*}; {@link TrafficServerOptions} combines both.
 */
@ConfigMapping(prefix = "ballast.gateway.server")
public interface TrafficServerConfig {

    /**
     * Traffic port; 0 picks a free one. Follows {@code quarkus.http.port} unless set, so deployments and scripts that
     * set that key keep working although Quarkus' own HTTP server no longer listens there.
     */
    @WithDefault("${quarkus.http.port:8080}")
    int port();

    /** Interface to bind. */
    @WithDefault("0.0.0.0")
    String host();

    /** On shutdown: how long in-flight requests may take to finish after the listener stops taking connections. */
    @WithDefault("20s")
    Duration shutdownTimeout();
}
