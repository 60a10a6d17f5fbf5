package dev.ballast.gateway.config;

/**
 * Per-route timeouts in milliseconds, split the way Envoy users asked for (envoy #30753, #8517): connect, response
 * headers, idle between body chunks (what keeps SSE alive) and a total that is off by default. 0 disables one.
 */
public record TimeoutSettings(long connectMillis, long responseHeadersMillis, long idleMillis, long totalMillis) {
}
