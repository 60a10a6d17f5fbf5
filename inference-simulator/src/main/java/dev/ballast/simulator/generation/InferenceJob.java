package dev.ballast.simulator.generation;

import dev.ballast.simulator.http.ResponseChannel;

/** One parsed inference request, as the {@link InferenceEngine} needs it; built by each protocol's endpoints. */
public interface InferenceJob {

    int promptTokens();

    /** The request's output limit (max_tokens, num_predict), or null when it set none. */
    Integer maxTokens();

    /** Called when the request gets a slot: returns the sink that turns tokens into this protocol's response. */
    TokenSink open(TokenPlan plan, ResponseChannel channel);
}
