package dev.ballast.simulator.ollama;

import dev.ballast.simulator.generation.GenerationTimes;
import dev.ballast.simulator.generation.InferenceJob;
import dev.ballast.simulator.generation.TokenPlan;
import dev.ballast.simulator.generation.TokenSink;
import dev.ballast.simulator.generation.WholeAnswer;
import dev.ballast.simulator.http.ResponseChannel;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One Ollama {@code /api/generate} or {@code /api/chat} request, answered as NDJSON (Ollama's default) or as
 * one object with {@code "stream": false}. The final object carries Ollama's durations in nanoseconds.
 */
record OllamaJob(Kind kind, String model, int promptTokens, Integer maxTokens, boolean stream) implements InferenceJob {

    /** Generate answers in {@code response}; chat answers in {@code message}. */
    enum Kind { GENERATE, CHAT }

    @Override
    public TokenSink open(TokenPlan plan, ResponseChannel channel) {
        if (stream) {
            return new StreamSink(plan, channel);
        }
        // "stream": false: the whole answer in one object
        return new WholeAnswer((text, times) -> channel.sendWhole(200, "application/json; charset=utf-8",
                finalObject(text, plan, times).encode()));
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
}
