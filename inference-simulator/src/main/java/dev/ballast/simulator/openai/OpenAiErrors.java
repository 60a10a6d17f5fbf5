package dev.ballast.simulator.openai;

import dev.ballast.simulator.generation.ProtocolErrors;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * OpenAI's error object as vLLM's OpenAI server sends it: {@code {"error":{"message","type","param","code"}}}.
 * A full queue answers 429, the status OpenAI clients and gateways already treat as "retry later/elsewhere"
 * (vLLM itself queues without bound; TGI answers 429 "Model is overloaded").
 */
final class OpenAiErrors implements ProtocolErrors {

    @Override
    public void send(HttpServerResponse response, int status, String message) {
        JsonObject error = new JsonObject()
                .put("message", message)
                .put("type", type(status))
                .putNull("param")
                .put("code", status);
        response.setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("error", error).encode());
    }

    @Override
    public int overloadedStatus() {
        return 429;
    }

    @Override
    public String overloadedMessage(int maxQueue) {
        return "The server is overloaded: all slots are busy and " + maxQueue + " requests are already waiting.";
    }

    private static String type(int status) {
        return switch (status) {
            case 400 -> "BadRequestError";
            case 401 -> "AuthenticationError";
            case 403 -> "PermissionDeniedError";
            case 404 -> "NotFoundError";
            case 408 -> "RequestTimeoutError";
            case 422 -> "UnprocessableEntityError";
            case 429 -> "RateLimitError";
            case 503 -> "ServiceUnavailableError";
            default -> status >= 500 ? "InternalServerError" : "BadRequestError";
        };
    }
}
