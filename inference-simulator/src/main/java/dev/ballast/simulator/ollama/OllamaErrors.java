package dev.ballast.simulator.ollama;

import dev.ballast.simulator.generation.ProtocolErrors;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * Ollama's error body {@code {"error":"..."}}. A full queue answers 503 with Ollama's own ErrMaxQueue text
 * (server/sched.go), which is what Ollama does once OLLAMA_MAX_QUEUE requests are pending.
 */
final class OllamaErrors implements ProtocolErrors {

    static final String MAX_QUEUE_MESSAGE = "server busy, please try again.  maximum pending requests exceeded";

    @Override
    public void send(HttpServerResponse response, int status, String message) {
        response.setStatusCode(status)
                .putHeader("Content-Type", "application/json; charset=utf-8")
                .end(new JsonObject().put("error", message).encode());
    }

    @Override
    public int overloadedStatus() {
        return 503;
    }

    @Override
    public String overloadedMessage(int maxQueue) {
        return MAX_QUEUE_MESSAGE;
    }
}
