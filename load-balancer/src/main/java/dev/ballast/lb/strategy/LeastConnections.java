package dev.ballast.lb.strategy;

import dev.ballast.lb.Eligibility;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.PickContext;

/**
 * nginx least_conn (ngx_http_upstream_get_least_conn_peer): fewest in-flight requests relative to weight, compared
 * by cross-multiplying, ties resolved by smooth weighted round robin among the tied peers only. Lock-free: the
 * in-flight counts are the endpoints' own (shared), the round-robin state is per thread, as nginx keeps it per
 * worker.
 */
public final class LeastConnections implements Strategy {

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
     * Every peer eligible at full weight: nginx's two passes. The first finds the least load, where its group
     * starts and how many peers share it (no per-peer bookkeeping: a store per peer cost a third of the pass); a
     * round over the tied peers follows. While some peer is idle the least load is 0 and the group is the idle
     * peers, so the first pass only counts them, without cross-multiplying, and looks ahead at the all-peers
     * smooth round; when the whole pool is idle (the usual case below saturation) that round is simply committed.
     * The current weights are this thread's (see {@link SmoothWeightedRoundRobin}).
     */
    private Endpoint pickPristine() {
        Endpoint[] p = peers;
        long[] w = weight;
        long[] cur = ties.currentWeights();
        int n = p.length;
        int idle = 0;
        int firstIdle = -1;
        int roundBest = 0;
        long roundBestCurrent = Long.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            if (p[i].inFlightRelaxed() == 0 && idle++ == 0) {
                firstIdle = i;
            }
            long cw = cur[i] + w[i];
            if (cw > roundBestCurrent) {
                roundBest = i;
                roundBestCurrent = cw;
            }
        }
        if (idle == n) {
            ties.commitRoundAll(cur, roundBest, roundBestCurrent); // everyone tied: the plain all-peers round
            return p[roundBest];
        }
        if (idle == 1) {
            return p[firstIdle]; // nginx: a single least loaded peer is taken without a round
        }
        if (idle > 1) {
            int chosen = ties.roundAmongTied(firstIdle, 0, w[firstIdle]);
            return p[chosen < 0 ? firstIdle : chosen];
        }
        return pickBusiest(p, w);
    }

    /** No peer idle: nginx's first pass by cross-multiplying, then the round over the tied. */
    private Endpoint pickBusiest(Endpoint[] p, long[] w) {
        int n = p.length;
        long bestConns = p[0].inFlightRelaxed();
        long bestWeight = w[0];
        int best = 0; // the tied group lies in [best, n): it restarts at every new minimum
        int tied = 1;
        for (int i = 1; i < n; i++) {
            long conns = p[i].inFlightRelaxed();
            long wi = w[i];
            long lhs = conns * bestWeight;
            long rhs = bestConns * wi;
            if (lhs < rhs) {
                best = i;
                bestConns = conns;
                bestWeight = wi;
                tied = 1;
            } else if (lhs == rhs) {
                tied++;
            }
        }
        if (tied == 1) {
            return p[best];
        }
        // The round re-reads the counts, as the checked round does; if they moved so that no peer matches any
        // more, the first least loaded peer the pass saw is still a fine answer.
        int chosen = ties.roundAmongTied(best, bestConns, bestWeight);
        return p[chosen < 0 ? best : chosen];
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
