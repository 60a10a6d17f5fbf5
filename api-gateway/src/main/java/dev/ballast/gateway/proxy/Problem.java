package dev.ballast.gateway.proxy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * Writes RFC 9457 problem details. Bodies name the route and the request id, never internals (no exception
 * messages, no endpoint addresses).
 */
public final class Problem {

    private static final String TYPE_BASE = "https://ballast.dev/problems/";

    private Problem() {
    }

    public static void send(HttpServerResponse response, int status, String slug, String title, String detail,
                            String route, CharSequence requestId) {
        if (response.headWritten() || response.ended() || response.closed()) {
            return;
        }
        JsonObject body = new JsonObject()
                .put("type", TYPE_BASE + slug)
                .put("title", title)
                .put("status", status)
                .put("detail", detail);
        if (route != null) {
            body.put("route", route);
        }
        if (requestId != null) {
            body.put("requestId", requestId.toString());
        }
        Buffer buffer = body.toBuffer();
        response.setStatusCode(status)
                .putHeader("content-type", "application/problem+json")
                .putHeader("content-length", String.valueOf(buffer.length()))
                .end(buffer);
    }
}
