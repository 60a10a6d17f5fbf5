package dev.ballast.simulator.http;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.function.Consumer;

/** Reads a request body as a JSON object, or reports why it is not one through the protocol's error shape. */
public final class JsonBodies {

    /** Receives "what is wrong" and writes it as this endpoint's 400. */
    public interface BadRequest {
        void send(String message);
    }

    private JsonBodies() {
    }

    public static void read(HttpServerRequest request, BadRequest badRequest, Consumer<JsonObject> handler) {
        request.body().onSuccess(buffer -> {
            JsonObject body;
            try {
                Object parsed = buffer.length() == 0 ? null : io.vertx.core.json.Json.decodeValue(buffer);
                if (!(parsed instanceof JsonObject object)) {
                    badRequest.send("request body must be a JSON object");
                    return;
                }
                body = object;
            } catch (DecodeException e) {
                badRequest.send("request body is not valid JSON: " + e.getMessage());
                return;
            }
            handler.accept(body);
        });
    }

    /** An optional positive integer field; null when absent. */
    public static Integer positiveInt(JsonObject body, String field) {
        Object value = body.getValue(field);
        if (value == null) {
            return null;
        }
        if (value instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue())
                && number.doubleValue() >= 1 && number.doubleValue() <= Integer.MAX_VALUE) {
            return number.intValue();
        }
        throw new IllegalArgumentException(field + " must be a positive integer, got " + value);
    }

    /** An optional boolean field. */
    public static boolean bool(JsonObject body, String field, boolean absent) {
        Object value = body.getValue(field);
        if (value == null) {
            return absent;
        }
        if (value instanceof Boolean flag) {
            return flag;
        }
        throw new IllegalArgumentException(field + " must be true or false, got " + value);
    }
}
