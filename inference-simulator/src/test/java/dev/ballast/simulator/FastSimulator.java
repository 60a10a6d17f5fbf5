package dev.ballast.simulator;

/** Configs that make tests quick: no time to first token, near-instant tokens, no jitter. */
final class FastSimulator {

    static final int OUTPUT_TOKENS = 8;

    private FastSimulator() {
    }

    static SimulatorConfig.Builder config() {
        return SimulatorConfig.builder()
                .port(0)
                .name("test-sim")
                .model("llama-3-8b")
                .ttftMillis(0)
                .tokensPerSecond(100_000)
                .outputTokens(OUTPUT_TOKENS)
                .jitter(0)
                .seed(42L);
    }

    static InferenceSimulator start() {
        return InferenceSimulator.start(config().build());
    }
}
