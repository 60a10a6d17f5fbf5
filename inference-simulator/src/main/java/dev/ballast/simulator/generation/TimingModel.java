package dev.ballast.simulator.generation;

import dev.ballast.simulator.SimulatorConfig;
import dev.ballast.simulator.fault.Faults;
import java.util.random.RandomGenerator;

/**
 * Pure arithmetic behind the simulated speed: output length, time to first token and time per token,
 * with uniform jitter of +/- {@code jitter} and the slow-response faults applied.
 */
public final class TimingModel {

    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final SimulatorConfig config;
    private final RandomGenerator random;

    public TimingModel(SimulatorConfig config, RandomGenerator random) {
        this.config = config;
        this.random = random;
    }

    /** Tokens in a prompt, estimated the usual rough way: one token per four characters, at least one. */
    public static int estimateTokens(CharSequence text) {
        return Math.max(1, (text.length() + 3) / 4);
    }

    /**
     * @param promptTokens estimated prompt size
     * @param maxTokens    the request's limit (max_tokens, num_predict) or null when it set none
     */
    public TokenPlan plan(int promptTokens, Integer maxTokens, Faults faults) {
        int output = config.outputTokens();
        String finishReason = "stop";
        if (maxTokens != null && maxTokens < output) {
            output = maxTokens;
            finishReason = "length";
        }
        double ttft = config.ttftMillis() * NANOS_PER_MILLI * faults.slowFactor();
        long ttftNanos = jittered(ttft) + faults.extraLatencyMs() * NANOS_PER_MILLI;
        double interToken = 1e9 / config.tokensPerSecond() * faults.slowFactor();
        return new TokenPlan(promptTokens, output, finishReason, ttftNanos, Math.round(interToken));
    }

    /** One jittered sample of a mean delay, never negative. */
    public long jittered(double meanNanos) {
        if (config.jitter() == 0 || meanNanos == 0) {
            return Math.round(meanNanos);
        }
        double factor = 1 + (random.nextDouble() * 2 - 1) * config.jitter();
        return Math.max(0, Math.round(meanNanos * factor));
    }
}
