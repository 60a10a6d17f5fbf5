package dev.ballast.simulator;

/**
 * A snapshot of the simulator's counters, as served by {@code GET /admin/stats}.
 *
 * @param served            inference requests answered completely
 * @param inFlight          running + queued + hanging
 * @param running           requests holding a slot
 * @param queued            requests waiting for a slot
 * @param hanging           requests held by the hang fault
 * @param rejected          requests refused because the queue was full
 * @param injectedErrors    requests failed by the errorRate fault
 * @param aborted           requests ended early (client left, dropped stream)
 * @param promptTokens      prompt tokens processed
 * @param generationTokens  tokens generated
 */
public record SimulatorStats(long served, int inFlight, int running, int queued, int hanging, long rejected,
                             long injectedErrors, long aborted, long promptTokens, long generationTokens) {
}
