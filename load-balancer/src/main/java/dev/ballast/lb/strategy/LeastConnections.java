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
            return pickPristine(eligibility);
        }
        return pickChecked(context, eligibility, nowNanos);
    }

    /**
     * Every peer eligible at full weight. While some peer is idle the least load is 0 and the tied group is exactly
     * the idle peers (no count is below 0), so one pass does both of nginx's: each idle peer's smooth round step
     * ({@code current += weight}) is applied as the pass meets it and the best idle peer is tracked; the round is
     * committed at the end ({@code best.current -= total}). A single idle peer is taken without a round, as nginx
     * takes a single least loaded peer, so its step is taken back. Only when no peer is idle does the
     * cross-multiplying pass run. The current weights are this thread's (see {@link SmoothWeightedRoundRobin}).
     * (Two passes, count then round, whenever the other thread held a request: 157 CPU ns per pick on two threads
     * and 86–89 on one; one pass: 116–141 and 54. JMH, 100 peers, same host, session 4.)
     * Whether every peer is idle comes from the pool's count of busy endpoints, not from reading each peer's count:
     * that read alone was most of a one-thread pick (112 CPU ns per pick against 57, 100 peers, session 13).
     */
    private Endpoint pickPristine(Eligibility eligibility) {
        Endpoint[] p = peers;
        int n = p.length;
        if (eligibility.busyEndpoints() == 0) {
            // Every peer idle: the tied group is the whole pool, and nginx's round over it is round robin's
            // all-peers round, which replays a recorded period once one has come round (SmoothWeightedRoundRobin).
            return p[ties.roundAll()];
        }
        long[] w = weight;
        long[] cur = ties.currentWeights();
        int idle = 0;
        int best = -1;
        long bestCurrent = Long.MIN_VALUE;
        long idleWeight = 0;
        for (int i = 0; i < n; i++) {
            if (p[i].inFlightRelaxed() == 0) {
                long wi = w[i];
                long cw = cur[i] + wi;
                cur[i] = cw;
                idle++;
                idleWeight += wi;
                if (cw > bestCurrent) {
                    best = i;
                    bestCurrent = cw;
                }
            }
        }
        if (idle > 1) {
            cur[best] = bestCurrent - idleWeight;
            return p[best];
        }
        if (idle == 1) {
            cur[best] = bestCurrent - w[best]; // nginx: a single least loaded peer is taken without a round
            return p[best];
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
