package dev.ballast.simulator.openai;

import dev.ballast.simulator.generation.GenerationTimes;
import dev.ballast.simulator.generation.InferenceJob;
import dev.ballast.simulator.generation.TokenPlan;
import dev.ballast.simulator.generation.TokenSink;
import dev.ballast.simulator.generation.WholeAnswer;
import dev.ballast.simulator.http.ResponseChannel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * One OpenAI chat or text completion and the two ways to answer it: a single JSON object, or SSE
 * {@code data:} chunks in OpenAI's chunk shape, an optional usage chunk, then {@code data: [DONE]}.
 * The {@code id} carries its prefix ({@code chatcmpl-}/{@code cmpl-}, see {@link Kind#idPrefix}).
 */
record OpenAiJob(Kind kind, String id, long created, String model, int promptTokens, Integer maxTokens, boolean stream,
                 boolean includeUsage) implements InferenceJob {

    private static final String SSE = "text/event-stream; charset=utf-8";

    /** Chat completions carry {@code message}/{@code delta}; legacy completions carry {@code text}. */
    enum Kind {
        CHAT("chatcmpl-", "chat.completion", "chat.completion.chunk"),
        TEXT("cmpl-", "text_completion", "text_completion");

        final String idPrefix;
        final String object;
        final String chunkObject;

        Kind(String idPrefix, String object, String chunkObject) {
            this.idPrefix = idPrefix;
            this.object = object;
            this.chunkObject = chunkObject;
        }
    }

    /** Like vLLM's StreamingResponse: a streamed request gets 200 and its SSE headers at once, even while queued. */
    @Override
    public void admitted(ResponseChannel channel) {
        if (stream) {
            channel.startStream(SSE);
        }
    }

    @Override
    public TokenSink open(TokenPlan plan, ResponseChannel channel) {
        if (stream) {
            return new StreamSink(plan, channel);
        }
        return new WholeAnswer((text, times) -> channel.sendWhole(200, "application/json", wholeBody(text, plan)));
    }

    private JsonObject envelope(String object) {
        return new JsonObject().put("id", id).put("object", object).put("created", created).put("model", model);
    }

    private JsonObject usage(TokenPlan plan) {
        return new JsonObject()
                .put("prompt_tokens", plan.promptTokens())
                .put("total_tokens", plan.promptTokens() + plan.outputTokens())
                .put("completion_tokens", plan.outputTokens());
    }

    /** One choice of a streamed chunk: a chat {@code delta} or a completion {@code text}. */
    private JsonObject chunkChoice(JsonObject delta, String text, String finishReason) {
        JsonObject choice = new JsonObject().put("index", 0);
        if (kind == Kind.CHAT) {
            choice.put("delta", delta);
        } else {
            choice.put("text", text);
        }
        return choice.putNull("logprobs").put("finish_reason", finishReason);
    }

    /** Streams each token as an SSE event, as OpenAI and vLLM do with {@code "stream": true}. */
    private final class StreamSink implements TokenSink {
        private final TokenPlan plan;
        private final ResponseChannel channel;

        StreamSink(TokenPlan plan, ResponseChannel channel) {
            this.plan = plan;
            this.channel = channel;
            channel.startStream(SSE);
        }

        @Override
        public void firstToken(GenerationTimes times) {
            if (kind == Kind.CHAT) {
                send(chunkChoice(new JsonObject().put("role", "assistant").put("content", ""), null, null));
            }
        }

        @Override
        public void token(String text) {
            send(chunkChoice(new JsonObject().put("content", text), text, null));
        }

        @Override
        public void done(GenerationTimes times) {
            send(chunkChoice(new JsonObject(), "", plan.finishReason()));
            if (includeUsage) {
                JsonObject last = envelope(kind.chunkObject).put("choices", new JsonArray()).put("usage", usage(plan));
                channel.chunk("data: " + last.encode() + "\n\n");
            }
            channel.chunk("data: [DONE]\n\n");
            channel.endStream();
        }

        private void send(JsonObject choice) {
            JsonObject chunk = envelope(kind.chunkObject).put("choices", new JsonArray().add(choice));
            if (includeUsage) {
                chunk.putNull("usage");
            }
            channel.chunk("data: " + chunk.encode() + "\n\n");
        }
    }

    /** The non-streamed answer: one object with the whole text and a {@code usage} block. */
    private String wholeBody(String text, TokenPlan plan) {
        JsonObject choice = new JsonObject().put("index", 0);
        if (kind == Kind.CHAT) {
            choice.put("message", new JsonObject().put("role", "assistant").put("content", text));
        } else {
            choice.put("text", text);
        }
        choice.putNull("logprobs").put("finish_reason", plan.finishReason());
        return envelope(kind.object).put("choices", new JsonArray().add(choice)).put("usage", usage(plan)).encode();
    }
}
