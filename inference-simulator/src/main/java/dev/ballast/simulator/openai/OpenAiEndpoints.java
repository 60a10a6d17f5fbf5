package dev.ballast.simulator.openai;

import dev.ballast.simulator.SimulatorConfig;
import dev.ballast.simulator.generation.InferenceEngine;
import dev.ballast.simulator.generation.TimingModel;
import dev.ballast.simulator.http.Json;
import dev.ballast.simulator.http.JsonBodies;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HexFormat;
import java.util.random.RandomGenerator;

/**
 * The OpenAI-compatible API as vLLM serves it: {@code POST /v1/chat/completions}, {@code POST /v1/completions},
 * {@code GET /v1/models}. Validation follows vLLM: unknown model 404, malformed fields 400.
 */
public final class OpenAiEndpoints {

    /** vLLM's CompletionRequest default; chat completions have no default limit. */
    private static final int COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

    private final SimulatorConfig config;
    private final InferenceEngine engine;
    private final RandomGenerator random;
    private final OpenAiErrors errors = new OpenAiErrors();
    private final long startedEpochSeconds = System.currentTimeMillis() / 1000;

    public OpenAiEndpoints(SimulatorConfig config, InferenceEngine engine, RandomGenerator random) {
        this.config = config;
        this.engine = engine;
        this.random = random;
    }

    public void chatCompletions(HttpServerRequest request) {
        JsonBodies.read(request, message -> errors.send(request.response(), 400, message), body -> {
            try {
                JsonArray messages = body.getValue("messages") instanceof JsonArray array ? array : null;
                if (messages == null || messages.isEmpty()) {
                    throw new IllegalArgumentException("messages must be a non-empty array of {role, content}");
                }
                StringBuilder prompt = new StringBuilder();
                for (Object message : messages) {
                    if (!(message instanceof JsonObject object) || !(object.getValue("role") instanceof String)) {
                        throw new IllegalArgumentException("each message must be an object with a string role");
                    }
                    appendContent(prompt, object.getValue("content"));
                }
                Integer maxTokens = JsonBodies.positiveInt(body, "max_completion_tokens");
                if (maxTokens == null) {
                    maxTokens = JsonBodies.positiveInt(body, "max_tokens");
                }
                serve(request, body, OpenAiJob.Kind.CHAT, prompt, maxTokens);
            } catch (IllegalArgumentException e) {
                errors.send(request.response(), 400, e.getMessage());
            }
        });
    }

    public void completions(HttpServerRequest request) {
        JsonBodies.read(request, message -> errors.send(request.response(), 400, message), body -> {
            try {
                Object prompt = body.getValue("prompt");
                StringBuilder text = new StringBuilder();
                if (prompt instanceof String string) {
                    text.append(string);
                } else if (prompt instanceof JsonArray array && !array.isEmpty()) {
                    array.forEach(part -> text.append(part));
                } else {
                    throw new IllegalArgumentException("prompt must be a string or a non-empty array");
                }
                Integer maxTokens = JsonBodies.positiveInt(body, "max_tokens");
                serve(request, body, OpenAiJob.Kind.TEXT, text,
                        body.containsKey("max_tokens") ? maxTokens : COMPLETIONS_DEFAULT_MAX_TOKENS);
            } catch (IllegalArgumentException e) {
                errors.send(request.response(), 400, e.getMessage());
            }
        });
    }

    public void models(HttpServerRequest request) {
        JsonObject model = new JsonObject()
                .put("id", config.model())
                .put("object", "model")
                .put("created", startedEpochSeconds)
                .put("owned_by", "vllm")
                .put("root", config.model())
                .putNull("parent")
                .put("max_model_len", config.maxModelLen());
        Json.send(request.response(), 200, new JsonObject().put("object", "list").put("data", new JsonArray().add(model)));
    }

    private void serve(HttpServerRequest request, JsonObject body, OpenAiJob.Kind kind, CharSequence prompt,
                       Integer maxTokens) {
        Object model = body.getValue("model");
        if (model != null && !(model instanceof String)) {
            throw new IllegalArgumentException("model must be a string");
        }
        if (model != null && !config.model().equals(model)) {
            errors.send(request.response(), 404, "The model `" + model + "` does not exist.");
            return;
        }
        boolean stream = JsonBodies.bool(body, "stream", false);
        JsonObject streamOptions = body.getValue("stream_options") instanceof JsonObject options ? options : new JsonObject();
        boolean includeUsage = stream && JsonBodies.bool(streamOptions, "include_usage", false);
        int promptTokens = TimingModel.estimateTokens(prompt);
        if (promptTokens > config.maxModelLen()) {
            errors.send(request.response(), 400, "This model's maximum context length is " + config.maxModelLen()
                    + " tokens. However, your request has " + promptTokens + " input tokens.");
            return;
        }
        String id = HexFormat.of().toHexDigits(random.nextLong()) + HexFormat.of().toHexDigits(random.nextLong());
        OpenAiJob job = new OpenAiJob(kind, kind.idPrefix + id, System.currentTimeMillis() / 1000, config.model(),
                promptTokens, maxTokens, stream, includeUsage);
        engine.serve(request, job, errors);
    }

    /** Chat content is a string or a list of parts; only text parts count towards the prompt. */
    private static void appendContent(StringBuilder prompt, Object content) {
        if (content instanceof String text) {
            prompt.append(text);
        } else if (content instanceof JsonArray parts) {
            for (Object part : parts) {
                if (part instanceof JsonObject object && object.getValue("text") instanceof String text) {
                    prompt.append(text);
                }
            }
        } else if (content != null) {
            throw new IllegalArgumentException("message content must be a string or an array of parts");
        }
    }
}
