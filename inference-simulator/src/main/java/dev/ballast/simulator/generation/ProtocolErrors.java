package dev.ballast.simulator.generation;

import io.vertx.core.http.HttpServerResponse;

/** How a wire protocol reports errors: OpenAI's {@code {"error":{...}}} object, Ollama's {@code {"error":"..."}}. */
public interface ProtocolErrors {

    void send(HttpServerResponse response, int status, String message);

    /** Status when the waiting queue is full: what the mirrored server answers when overloaded. */
    int overloadedStatus();

    String overloadedMessage(int maxQueue);
}
