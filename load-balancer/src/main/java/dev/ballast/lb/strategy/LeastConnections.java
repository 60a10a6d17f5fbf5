package dev.ballast.lb.strategy;

import dev.ballast.lb.Eligibility;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.PickContext;

/**
 * nginx least_conn (ngx_http_upstream_get_least_conn_peer): fewest in-flight requests relative to weight, compared
 * by cross-multiplying, ties resolved by smooth weighted round robin among the tied peers only. The scan is
 * lock-free; only a tie takes the (short) round-robin lock.
 */
public final class LeastConnections implements Strategy {

    /** Indices of the peers tied for least loaded; per thread so the scan needs no lock and no allocation. */
    private static final ThreadLocal<int[]> SCRATCH = ThreadLocal.withInitial(() -> new int[64]);

    private final Endpoint[] peers;
    private final long[] weight;
    /** nginx keeps one current_weight per peer for both methods; ties are settled by these rounds. */
    private final SmoothWeightedRoundRobin ties;

    public LeastConnections(Endpoint[] peers) {
        this.peers = peers;
        this.ties = new SmoothWeightedRoundRobin(peers);
        this.weight = ties.weights();
    }

    @Override
    public Endpoint pick(PickContext context, Eligibility eligibility, long nowNanos) {
        if (eligibility.pristine() && context.avoid().isEmpty() && peers.length > 0) {
            return pickPristine();
        }
        return pickChecked(context, eligibility, nowNanos);
    }

    /**
     * Every peer eligible at full weight: one lock-free pass over in-flight counts that also records the tied
     * group in a per-thread scratch array, then round robin over that group only under the lock.
     */
    private Endpoint pickPristine() {
        Endpoint[] p = peers;
        long[] w = weight;
        int[] group = SCRATCH.get();
        if (group.length < p.length) {
            group = new int[p.length];
            SCRATCH.set(group);
        }
        int best = 0;
        long bestConns = p[0].inFlight();
        long bestWeight = w[0];
        int size = 0;
        group[size++] = 0;
        for (int i = 1; i < p.length; i++) {
            long conns = p[i].inFlight();
            long lhs = conns * bestWeight;
            long rhs = bestConns * w[i];
            if (lhs < rhs) {
                best = i;
                bestConns = conns;
                bestWeight = w[i];
                size = 0;
                group[size++] = i;
            } else if (lhs == rhs) {
                group[size++] = i;
            }
        }
        if (size == 1) {
            return p[best];
        }
        // An idle pool ties everyone: then the plain all-peers round (no index indirection) gives the same answer.
        return p[ties.roundAmong(size == p.length ? null : group, size)];
    }

    private Endpoint pickChecked(PickContext context, Eligibility eligibility, long nowNanos) {
        int best = -1;
        long bestConns = 0;
        long bestWeight = 0;
        boolean many = false;
        for (int i = 0; i < peers.length; i++) {
            Endpoint peer = peers[i];
            if (!eligibility.allows(peer, context, nowNanos)) {
                continue;
            }
            long conns = peer.inFlight();
            long weight = peer.rampedWeight(nowNanos);
            if (best < 0 || conns * bestWeight < bestConns * weight) {
                best = i;
                bestConns = conns;
                bestWeight = weight;
                many = false;
            } else if (conns * bestWeight == bestConns * weight) {
                many = true;
            }
        }
        if (best < 0) {
            return null;
        }
        if (!many) {
            return peers[best];
        }
        return roundRobinAmongTies(best, bestConns, bestWeight, context, eligibility, nowNanos);
    }

    private Endpoint roundRobinAmongTies(int first, long conns, long weight, PickContext context,
            Eligibility eligibility, long nowNanos) {
        Endpoint chosen = ties.round(first, conns, weight, context, eligibility, nowNanos);
        return chosen != null ? chosen : peers[first]; // counts moved under us; the first best is still fine
    }
}
