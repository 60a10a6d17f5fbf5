package dev.ballast.gateway.server;

import dev.ballast.gateway.config.GatewayConfig;
import dev.ballast.gateway.config.InvalidGatewayConfigException;
import io.vertx.core.http.HttpServerOptions;

import java.time.Duration;

/**
 * Everything the traffic listener is built from, checked once at start-up, and the one place that turns it into
 * Vert.x {@link HttpServerOptions} (the seam where TLS termination plugs in). Limits mirror what Quarkus' server gave
 * the traffic port before: head size (431), client idle timeout, connection cap.
 *
 * @param nativeTransport whether Vert.x runs on epoll: TCP_QUICKACK and TCP fast open exist only there
 */
public record TrafficServerOptions(String host, int port, int maxHeaderSize, long clientIdleTimeoutMillis,
                                   int maxConnections, long shutdownTimeoutMillis, boolean nativeTransport) {

    /** Netty's and Quarkus' default request-line limit; longer lines get 414. */
    static final int MAX_INITIAL_LINE_LENGTH = 4096;

    public static TrafficServerOptions from(TrafficServerConfig server, GatewayConfig.Limits limits,
                                            boolean nativeTransport) {
        if (server.port() < 0 || server.port() > 65_535) {
            throw new InvalidGatewayConfigException("ballast.gateway.server.port",
                    server.port() + " is not a port (0 picks a free one, else 1..65535)");
        }
        if (server.host().isBlank()) {
            throw new InvalidGatewayConfigException("ballast.gateway.server.host", "must name an interface");
        }
        long headerSize = limits.maxHeaderSize().asLongValue();
        if (headerSize < 1024 || headerSize > 1024 * 1024) {
            throw new InvalidGatewayConfigException("ballast.gateway.limits.max-header-size",
                    headerSize + " bytes is out of range (1K..1M)");
        }
        if (limits.maxConnections() < 1) {
            throw new InvalidGatewayConfigException("ballast.gateway.limits.max-connections",
                    limits.maxConnections() + " must be at least 1");
        }
        return new TrafficServerOptions(server.host(), server.port(), (int) headerSize,
                nonNegativeMillis("ballast.gateway.limits.client-idle-timeout", limits.clientIdleTimeout()),
                limits.maxConnections(),
                nonNegativeMillis("ballast.gateway.server.shutdown-timeout", server.shutdownTimeout()),
                nativeTransport);
    }

    private static long nonNegativeMillis(String key, Duration duration) {
        if (duration.isNegative()) {
            throw new InvalidGatewayConfigException(key, duration + " must not be negative");
        }
        return duration.toMillis();
    }

    /** A fresh options object per listener instance (Vert.x copies it anyway). */
    public HttpServerOptions httpServerOptions() {
        HttpServerOptions options = new HttpServerOptions()
                .setHost(host)
                .setMaxHeaderSize(maxHeaderSize)
                .setMaxInitialLineLength(MAX_INITIAL_LINE_LENGTH)
                // No Vert.x idle timeout: the client idle timeout is TrafficServer's ClientIdleTimeout, without a
                // clock read per read and a listener per write.
                // The proxy answers Expect: 100-continue itself, after the body-size check (413 before the body).
                .setHandle100ContinueAutomatically(false)
                // HTTP/1.1 only: without h2c detection a connection is set up (and counted) as soon as it is accepted.
                .setHttp2ClearTextEnabled(false)
                .setCompressionSupported(false)
                .setDecompressionSupported(false)
                // WebSockets are tunnelled, never terminated here: their extensions (permessage-deflate) are negotiated
                // by the client and the upstream. Without these two, Vert.x leaves its WebSocket extension handler out
                // of every connection's pipeline, where it inspected each request and response for nothing.
                .setPerFrameWebSocketCompressionSupported(false)
                .setPerMessageWebSocketCompressionSupported(false)
                .setTcpNoDelay(true);
        if (nativeTransport) {
            // Acknowledge at once instead of waiting for a reply to piggy-back on (request/response traffic).
            options.setTcpQuickAck(true).setTcpFastOpen(true);
        }
        return options;
    }
}
