package dev.ballast.simulator.http;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** RFC 9457 problem details for the simulator's own endpoints (admin, routing); protocol endpoints use their wire's error shape. */
public final class Problems {

    private static final String TYPE_BASE = "https://ballast.dev/problems/";

    private Problems() {
    }

    public static void send(HttpServerResponse response, int status, String title, String detail) {
        JsonObject body = new JsonObject()
                .put("type", TYPE_BASE + title.toLowerCase().replace(' ', '-'))
                .put("title", title)
                .put("status", status)
                .put("detail", detail);
        response.setStatusCode(status)
                .putHeader("Content-Type", "application/problem+json")
                .end(body.encode());
    }
}
