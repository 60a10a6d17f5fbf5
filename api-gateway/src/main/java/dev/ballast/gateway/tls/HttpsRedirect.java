package dev.ballast.gateway.tls;

import dev.ballast.gateway.proxy.Problem;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import org.jboss.logging.Logger;

import java.util.function.IntSupplier;
import java.util.regex.Pattern;

/**
 * The plain-HTTP listener next to a TLS traffic port: every request gets {@code 308 Permanent Redirect} to the same
 * host, path and query on HTTPS (nginx's {@code return 308 https://$host$request_uri}; 308 rather than 301 so a POST
 * stays a POST). It proxies nothing; health and metrics stay on the management port.
 */
public final class HttpsRedirect implements Handler<HttpServerRequest> {

    private static final Logger LOG = Logger.getLogger(HttpsRedirect.class);
    /** A DNS name or IPv4 literal, or a bracketed IPv6 literal: nothing that could smuggle a path or userinfo. */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}]");

    private final IntSupplier httpsPort;
    private HttpServer server;

    /** @param httpsPort the port to put into Location (read per request: the traffic port may be bound later) */
    public HttpsRedirect(IntSupplier httpsPort) {
        this.httpsPort = httpsPort;
    }

    /** Binds the redirect listener; completes with the port bound (useful with port 0). */
    public Future<Integer> listen(Vertx vertx, String host, int port) {
        server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setCompressionSupported(false))
                .requestHandler(this);
        return server.listen(port).map(bound -> {
            LOG.infof("HTTP-to-HTTPS redirect listener on %s:%d (308 to port %d)", host, bound.actualPort(),
                    httpsPort.getAsInt());
            return bound.actualPort();
        });
    }

    public Future<Void> close() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    @Override
    public void handle(HttpServerRequest request) {
        // authority() is the Host header on HTTP/1.x and :authority after an h2c upgrade.
        var authority = request.authority();
        String host = authority == null ? null : authority.host();
        if (host != null && host.indexOf(':') >= 0 && !host.startsWith("[")) {
            host = "[" + host + "]"; // an IPv6 literal goes back into brackets in a URL
        }
        String location = location(host, request.uri(), httpsPort.getAsInt());
        if (location == null) {
            Problem.send(request.response(), 400, "bad-request", "Bad Request",
                    "The request has no valid Host header, so there is no HTTPS address to redirect it to", null, null);
            return;
        }
        request.response().setStatusCode(308).putHeader("location", location).putHeader("content-length", "0").end();
    }

    /** {@code https://host[:port]/path?query} for a request, or null when its Host cannot be redirected to. */
    static String location(String hostHeader, String uri, int httpsPort) {
        if (hostHeader == null) {
            return null;
        }
        String host = hostHeader.trim();
        int colon = host.lastIndexOf(':');
        if (colon >= 0 && host.indexOf(']') < colon) {
            host = host.substring(0, colon); // drop the plain-HTTP port; the HTTPS one is ours to say
        }
        if (!HOST.matcher(host).matches()) {
            return null;
        }
        return "https://" + host.toLowerCase(java.util.Locale.ROOT) + (httpsPort == 443 ? "" : ":" + httpsPort)
                + pathAndQuery(uri);
    }

    /** Origin-form as sent; the path and query of an absolute-form URI; "/" for anything else (e.g. "*"). */
    private static String pathAndQuery(String uri) {
        if (uri == null || uri.isEmpty()) {
            return "/";
        }
        if (uri.startsWith("/")) {
            return uri;
        }
        int scheme = uri.indexOf("://");
        if (scheme > 0) {
            int slash = uri.indexOf('/', scheme + 3);
            int query = uri.indexOf('?', scheme + 3);
            if (slash >= 0 && (query < 0 || slash < query)) {
                return uri.substring(slash);
            }
            return query >= 0 ? "/" + uri.substring(query) : "/";
        }
        return "/";
    }
}
