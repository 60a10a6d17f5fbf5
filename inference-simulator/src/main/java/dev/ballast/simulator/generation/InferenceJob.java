package dev.ballast.simulator.generation;

import dev.ballast.simulator.http.ResponseChannel;

/** One parsed inference request, as the {@link InferenceEngine} needs it; built by each protocol's endpoints. */
public interface InferenceJob {

    int promptTokens();

    /** The request's output limit (max_tokens, num_predict), or null when it set none. */
    Integer maxTokens();

    /**
     * Called once the request is admitted (running or queued). vLLM answers a streamed request's status and
     * headers here, before it gets a slot; Ollama only once it generates, so the default does nothing.
     */
    default void admitted(ResponseChannel channel) {
    }

    /** Called when the request gets a slot: returns the sink that turns tokens into this protocol's response. */
    TokenSink open(TokenPlan plan, ResponseChannel channel);
}
