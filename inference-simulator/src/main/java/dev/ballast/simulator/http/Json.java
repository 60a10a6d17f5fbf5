package dev.ballast.simulator.http;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** Writes JSON bodies. */
public final class Json {

    private Json() {
    }

    public static void send(HttpServerResponse response, int status, JsonObject body) {
        response.setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .end(body.encode());
    }
}
