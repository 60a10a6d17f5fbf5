package dev.ballast.simulator.generation;

/**
 * What one generation will produce and how fast: decided once when the request gets a slot.
 *
 * @param promptTokens      estimated prompt length in tokens
 * @param outputTokens      tokens to generate
 * @param finishReason      {@code stop} (natural end) or {@code length} (cut by max_tokens / num_predict)
 * @param ttftNanos         delay from slot start to the first token
 * @param interTokenNanos   mean delay between later tokens
 */
public record TokenPlan(int promptTokens, int outputTokens, String finishReason, long ttftNanos, long interTokenNanos) {
}
