package dev.ballast.simulator.ollama;

import dev.ballast.simulator.generation.GenerationTimes;
import dev.ballast.simulator.generation.InferenceJob;
import dev.ballast.simulator.generation.TokenPlan;
import dev.ballast.simulator.generation.TokenSink;
import dev.ballast.simulator.http.ResponseChannel;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One Ollama {@code /api/generate} or {@code /api/chat} request, answered as NDJSON (Ollama's default) or as
 * one object with {@code "stream": false}. The final object carries Ollama's durations in nanoseconds.
 */
final class OllamaJob implements InferenceJob {

    /** Generate answers in {@code response}; chat answers in {@code message}. */
    enum Kind { GENERATE, CHAT }

    private final Kind kind;
    private final String model;
    private final int promptTokens;
    private final Integer maxTokens;
    private final boolean stream;

    OllamaJob(Kind kind, String model, int promptTokens, Integer maxTokens, boolean stream) {
        this.kind = kind;
        this.model = model;
        this.promptTokens = promptTokens;
        this.maxTokens = maxTokens;
        this.stream = stream;
    }

    @Override
    public int promptTokens() {
        return promptTokens;
    }

    @Override
    public Integer maxTokens() {
        return maxTokens;
    }

    @Override
    public TokenSink open(TokenPlan plan, ResponseChannel channel) {
        return stream ? new StreamSink(plan, channel) : new WholeSink(plan, channel);
    }

    private JsonObject object(String text, boolean done) {
        JsonObject object = new JsonObject().put("model", model).put("created_at", Instant.now().toString());
        if (kind == Kind.CHAT) {
            object.put("message", new JsonObject().put("role", "assistant").put("content", text));
        } else {
            object.put("response", text);
        }
        return object.put("done", done);
    }

    /** Ollama's final fields: durations in nanoseconds; waiting for a slot shows in load_duration as in Ollama. */
    private JsonObject finalObject(String text, TokenPlan plan, GenerationTimes times) {
        return object(text, true)
                .put("done_reason", plan.finishReason())
                .put("total_duration", times.totalNanos())
                .put("load_duration", times.queueNanos())
                .put("prompt_eval_count", plan.promptTokens())
                .put("prompt_eval_duration", times.prefillNanos())
                .put("eval_count", plan.outputTokens())
                .put("eval_duration", times.decodeNanos());
    }

    /** One JSON object per line, per token, then the final {@code "done": true} object. */
    private final class StreamSink implements TokenSink {
        private final TokenPlan plan;
        private final ResponseChannel channel;

        StreamSink(TokenPlan plan, ResponseChannel channel) {
            this.plan = plan;
            this.channel = channel;
            channel.startStream("application/x-ndjson");
        }

        @Override
        public void firstToken(GenerationTimes times) {
        }

        @Override
        public void token(String text) {
            channel.chunk(object(text, false).encode() + "\n");
        }

        @Override
        public void done(GenerationTimes times) {
            channel.chunk(finalObject("", plan, times).encode() + "\n");
            channel.endStream();
        }
    }

    /** The whole answer in one object, as Ollama does with {@code "stream": false}. */
    private final class WholeSink implements TokenSink {
        private final TokenPlan plan;
        private final ResponseChannel channel;
        private final StringBuilder text = new StringBuilder();

        WholeSink(TokenPlan plan, ResponseChannel channel) {
            this.plan = plan;
            this.channel = channel;
        }

        @Override
        public void firstToken(GenerationTimes times) {
        }

        @Override
        public void token(String token) {
            text.append(token);
        }

        @Override
        public void done(GenerationTimes times) {
            channel.sendWhole(200, "application/json; charset=utf-8", finalObject(text.toString(), plan, times).encode());
        }
    }
}
