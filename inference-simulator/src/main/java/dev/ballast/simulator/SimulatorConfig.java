package dev.ballast.simulator;

import java.util.Objects;

/**
 * Immutable settings of one simulated inference server: where it listens, which model it serves and how
 * fast it "generates". Defaults mirror a small vLLM/Ollama deployment; build with {@link #builder()}.
 */
public record SimulatorConfig(
        String host,
        int port,
        String name,
        String model,
        int slots,
        int maxQueue,
        long ttftMillis,
        double tokensPerSecond,
        int outputTokens,
        double jitter,
        int maxModelLen,
        Long seed) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8000;
    public static final String DEFAULT_MODEL = "llama-3-8b";
    public static final int DEFAULT_SLOTS = 4;
    /** Ollama's OLLAMA_MAX_QUEUE default; vLLM itself never rejects, but an unbounded queue hides overload. */
    public static final int DEFAULT_MAX_QUEUE = 512;
    public static final long DEFAULT_TTFT_MILLIS = 50;
    public static final double DEFAULT_TOKENS_PER_SECOND = 200;
    public static final int DEFAULT_OUTPUT_TOKENS = 64;
    public static final double DEFAULT_JITTER = 0.1;
    public static final int DEFAULT_MAX_MODEL_LEN = 8192;

    public SimulatorConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(model, "model");
        require(!host.isBlank(), "host must not be blank");
        require(port >= 0 && port <= 65535, "port must be 0..65535 (0 = a free port), got " + port);
        require(!model.isBlank(), "model must not be blank");
        require(slots >= 1, "slots must be at least 1, got " + slots);
        require(maxQueue >= 0, "max-queue must be 0 or more, got " + maxQueue);
        require(ttftMillis >= 0, "ttft-ms must be 0 or more, got " + ttftMillis);
        require(tokensPerSecond > 0 && Double.isFinite(tokensPerSecond),
                "tokens-per-second must be a positive number, got " + tokensPerSecond);
        require(outputTokens >= 1, "output-tokens must be at least 1, got " + outputTokens);
        require(jitter >= 0 && jitter < 1, "jitter must be in [0, 1), got " + jitter);
        require(maxModelLen >= 1, "max-model-len must be at least 1, got " + maxModelLen);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preloaded with this config's values. */
    public Builder toBuilder() {
        return new Builder().host(host).port(port).name(name).model(model).slots(slots).maxQueue(maxQueue)
                .ttftMillis(ttftMillis).tokensPerSecond(tokensPerSecond).outputTokens(outputTokens).jitter(jitter)
                .maxModelLen(maxModelLen).seed(seed);
    }

    /** Fluent builder; unset values keep the defaults above. */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private String name = "inference-simulator";
        private String model = DEFAULT_MODEL;
        private int slots = DEFAULT_SLOTS;
        private int maxQueue = DEFAULT_MAX_QUEUE;
        private long ttftMillis = DEFAULT_TTFT_MILLIS;
        private double tokensPerSecond = DEFAULT_TOKENS_PER_SECOND;
        private int outputTokens = DEFAULT_OUTPUT_TOKENS;
        private double jitter = DEFAULT_JITTER;
        private int maxModelLen = DEFAULT_MAX_MODEL_LEN;
        private Long seed;

        private Builder() {
        }

        public Builder host(String host) { this.host = host; return this; }
        public Builder port(int port) { this.port = port; return this; }
        public Builder name(String name) { this.name = name; return this; }
        public Builder model(String model) { this.model = model; return this; }
        public Builder slots(int slots) { this.slots = slots; return this; }
        public Builder maxQueue(int maxQueue) { this.maxQueue = maxQueue; return this; }
        public Builder ttftMillis(long ttftMillis) { this.ttftMillis = ttftMillis; return this; }
        public Builder tokensPerSecond(double tokensPerSecond) { this.tokensPerSecond = tokensPerSecond; return this; }
        public Builder outputTokens(int outputTokens) { this.outputTokens = outputTokens; return this; }
        public Builder jitter(double jitter) { this.jitter = jitter; return this; }
        public Builder maxModelLen(int maxModelLen) { this.maxModelLen = maxModelLen; return this; }
        /** Fixes the random source (jitter, error rate, ids) for reproducible runs; null = random. */
        public Builder seed(Long seed) { this.seed = seed; return this; }

        public SimulatorConfig build() {
            return new SimulatorConfig(host, port, name, model, slots, maxQueue, ttftMillis, tokensPerSecond,
                    outputTokens, jitter, maxModelLen, seed);
        }
    }
}
