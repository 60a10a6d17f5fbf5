package dev.ballast.simulator.generation;

/**
 * Monotonic timestamps ({@link System#nanoTime()}) of one request, from which Ollama's durations and
 * vLLM's latency histograms are derived. Zero means "not reached yet".
 */
public record GenerationTimes(long arrivedNanos, long startedNanos, long firstTokenNanos, long finishedNanos) {

    /** Waiting for a slot; Ollama reports it inside load_duration (its scheduler waits for a runner there). */
    public long queueNanos() {
        return startedNanos - arrivedNanos;
    }

    public long prefillNanos() {
        return firstTokenNanos - startedNanos;
    }

    public long decodeNanos() {
        return finishedNanos - firstTokenNanos;
    }

    public long totalNanos() {
        return finishedNanos - arrivedNanos;
    }

    /** vLLM measures time to first token from arrival, queueing included. */
    public long timeToFirstTokenNanos() {
        return firstTokenNanos - arrivedNanos;
    }
}
