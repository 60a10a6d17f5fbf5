package dev.ballast.lb.strategy;

import dev.ballast.lb.Eligibility;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.PickContext;
import dev.ballast.lb.health.SlowStart;

/**
 * nginx least_conn (ngx_http_upstream_get_least_conn_peer): fewest in-flight requests relative to weight, compared
 * by cross-multiplying, ties resolved by smooth weighted round robin among the tied peers only. The scan is
 * lock-free; only a tie takes the (short) round-robin lock.
 */
public final class LeastConnections implements Strategy {

    /** Indices of the peers tied for least loaded; per thread so the scan needs no lock and no allocation. */
    private static final ThreadLocal<int[]> SCRATCH = ThreadLocal.withInitial(() -> new int[64]);

    private final Endpoint[] peers;
    private final long[] current;
    private final long[] weight;

    public LeastConnections(Endpoint[] peers) {
        this.peers = peers;
        this.current = new long[peers.length];
        this.weight = new long[peers.length];
        for (int i = 0; i < peers.length; i++) {
            weight[i] = (long) peers[i].weight() * SlowStart.FULL;
        }
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
        synchronized (this) {
            long[] cur = current;
            int chosen = group[0];
            long chosenCurrent = Long.MIN_VALUE;
            long total = 0;
            for (int k = 0; k < size; k++) {
                int i = group[k];
                long cw = cur[i] + w[i];
                cur[i] = cw;
                total += w[i];
                if (cw > chosenCurrent) {
                    chosen = i;
                    chosenCurrent = cw;
                }
            }
            cur[chosen] = chosenCurrent - total;
            return p[chosen];
        }
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
        synchronized (this) {
            int best = -1;
            long bestCurrent = 0;
            long total = 0;
            for (int i = first; i < peers.length; i++) {
                Endpoint peer = peers[i];
                if (!eligibility.allows(peer, context, nowNanos)
                        || peer.inFlight() * weight != conns * peer.rampedWeight(nowNanos)) {
                    continue;
                }
                long w = peer.selectionWeight(nowNanos);
                long cw = current[i] + w;
                current[i] = cw;
                total += w;
                peer.recoverEffectiveWeight();
                if (best < 0 || cw > bestCurrent) {
                    best = i;
                    bestCurrent = cw;
                }
            }
            if (best < 0) {
                return peers[first]; // counts moved under us; the first best is still a fine answer
            }
            current[best] = bestCurrent - total;
            return peers[best];
        }
    }
}
