package dev.ballast.simulator.ollama;

import dev.ballast.simulator.SimulatorConfig;
import dev.ballast.simulator.generation.InferenceEngine;
import dev.ballast.simulator.generation.TimingModel;
import dev.ballast.simulator.http.Json;
import dev.ballast.simulator.http.JsonBodies;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

/**
 * The Ollama REST API (docs/api.md): {@code POST /api/generate}, {@code POST /api/chat}, {@code GET /api/ps},
 * {@code /api/tags}, {@code /api/version}. The one simulated model is always loaded.
 */
public final class OllamaEndpoints {

    /** The Ollama release whose API shapes this mirrors. */
    static final String VERSION = "0.12.6";
    /** OLLAMA_KEEP_ALIVE default: a loaded model expires five minutes after its last use. */
    private static final Duration KEEP_ALIVE = Duration.ofMinutes(5);
    private static final long MODEL_SIZE_BYTES = 4_920_753_328L;

    private final SimulatorConfig config;
    private final InferenceEngine engine;
    private final OllamaErrors errors = new OllamaErrors();
    private final String taggedModel;
    private final String digest;
    private final Instant modifiedAt = Instant.now();

    public OllamaEndpoints(SimulatorConfig config, InferenceEngine engine) {
        this.config = config;
        this.engine = engine;
        this.taggedModel = config.model().contains(":") ? config.model() : config.model() + ":latest";
        this.digest = sha256(taggedModel);
    }

    public void generate(HttpServerRequest request) {
        JsonBodies.read(request, message -> errors.send(request.response(), 400, message), body -> {
            try {
                Object prompt = body.getValue("prompt", "");
                if (!(prompt instanceof String text)) {
                    throw new IllegalArgumentException("prompt must be a string");
                }
                String system = body.getValue("system") instanceof String s ? s : "";
                serve(request, body, OllamaJob.Kind.GENERATE, system + text);
            } catch (IllegalArgumentException | ClassCastException e) {
                errors.send(request.response(), 400, e.getMessage());
            }
        });
    }

    public void chat(HttpServerRequest request) {
        JsonBodies.read(request, message -> errors.send(request.response(), 400, message), body -> {
            try {
                Object messages = body.getValue("messages", new JsonArray());
                if (!(messages instanceof JsonArray list)) {
                    throw new IllegalArgumentException("messages must be an array of {role, content}");
                }
                StringBuilder prompt = new StringBuilder();
                for (Object message : list) {
                    if (!(message instanceof JsonObject object) || !(object.getValue("role") instanceof String)) {
                        throw new IllegalArgumentException("each message must be an object with a string role");
                    }
                    if (object.getValue("content") instanceof String content) {
                        prompt.append(content);
                    }
                }
                serve(request, body, OllamaJob.Kind.CHAT, prompt);
            } catch (IllegalArgumentException | ClassCastException e) {
                errors.send(request.response(), 400, e.getMessage());
            }
        });
    }

    public void ps(HttpServerRequest request) {
        JsonObject model = describe()
                .put("expires_at", Instant.now().plus(KEEP_ALIVE).toString())
                .put("size_vram", MODEL_SIZE_BYTES)
                .put("context_length", config.maxModelLen());
        Json.send(request.response(), 200, new JsonObject().put("models", new JsonArray().add(model)));
    }

    public void tags(HttpServerRequest request) {
        JsonObject model = describe().put("modified_at", modifiedAt.toString());
        Json.send(request.response(), 200, new JsonObject().put("models", new JsonArray().add(model)));
    }

    public void version(HttpServerRequest request) {
        Json.send(request.response(), 200, new JsonObject().put("version", VERSION));
    }

    private JsonObject describe() {
        JsonObject details = new JsonObject()
                .put("parent_model", "")
                .put("format", "gguf")
                .put("family", "llama")
                .put("families", new JsonArray().add("llama"))
                .put("parameter_size", "8.0B")
                .put("quantization_level", "Q4_0");
        return new JsonObject()
                .put("name", taggedModel)
                .put("model", taggedModel)
                .put("size", MODEL_SIZE_BYTES)
                .put("digest", digest)
                .put("details", details);
    }

    /** A stable fake digest: Ollama shows the SHA-256 of the model manifest here. */
    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK ships SHA-256", e);
        }
    }

    private void serve(HttpServerRequest request, JsonObject body, OllamaJob.Kind kind, CharSequence prompt) {
        Object model = body.getValue("model");
        if (model == null || "".equals(model)) {
            errors.send(request.response(), 400, "model is required");
            return;
        }
        if (!(model instanceof String name)) {
            throw new IllegalArgumentException("model must be a string");
        }
        if (!name.equals(config.model()) && !name.equals(taggedModel)) {
            errors.send(request.response(), 404, "model \"" + name + "\" not found, try pulling it first");
            return;
        }
        boolean stream = JsonBodies.bool(body, "stream", true);
        JsonObject options = body.getValue("options") instanceof JsonObject o ? o : new JsonObject();
        Object numPredict = options.getValue("num_predict");
        if (numPredict != null && !(numPredict instanceof Number)) {
            throw new IllegalArgumentException("options.num_predict must be a number");
        }
        // Ollama: num_predict -1 (or unset) means "until the model stops"
        Integer maxTokens = numPredict instanceof Number n && n.intValue() > 0 ? n.intValue() : null;
        engine.serve(request, new OllamaJob(kind, name, TimingModel.estimateTokens(prompt), maxTokens, stream), errors);
    }
}
