package dev.ballast.lb.strategy;

import dev.ballast.lb.Eligibility;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.PickContext;

/**
 * nginx least_conn (ngx_http_upstream_get_least_conn_peer): fewest in-flight requests relative to weight, compared
 * by cross-multiplying, ties resolved by smooth weighted round robin. Every pick is in nginx's least loaded group.
 * In a pool with every peer usable at full weight, a tie at load 0 (the idle peers) goes to the next idle peer in
 * the thread's all-peers smooth round; ties at higher loads, and every tie in other pools, are nginx's smooth round
 * among the tied peers only. Lock-free: the in-flight counts are the endpoints' own (shared), both rounds' current
 * weights are per thread, as nginx keeps them per worker.
 */
public final class LeastConnections implements Strategy {

    private final Endpoint[] peers;
    private final long[] weight;
    /** nginx's rounds among the tied (at a load above 0, over the idle as a fallback, and in checked pools). */
    private final SmoothWeightedRoundRobin ties;
    /** The all-peers round whose next idle peer takes a tie at load 0 (see {@link #pickPristine()}). */
    private final SmoothWeightedRoundRobin idleRound;
    /** Offers of the idle round tried before a pass over the counts looks for an idle peer at all. */
    static final int OFFERS = 4;
    /**
     * After the pass, the walk to the next idle peer stops after this many offers per peer (or one period): when
     * the idle peers carry so little of the weight, nginx's round over them decides instead (a bounded pick).
     */
    static final int WALK_PER_PEER = 2;

    public LeastConnections(Endpoint[] peers) {
        this.peers = peers;
        this.ties = new SmoothWeightedRoundRobin(peers);
        this.idleRound = new SmoothWeightedRoundRobin(peers);
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
     * Every peer eligible at full weight. While some peer is idle the least load is 0 and nginx's tied group is the
     * idle peers; the tie goes to the next idle peer in the thread's all-peers smooth round (nginx's round over the
     * whole pool, on current weights of its own), busy peers passed over and losing the turns they are offered. From an
     * update until the first pick that nginx's own rounds decide (below) that is nginx's exact sequence, and the
     * whole sequence when every request ends before the next pick; with some peers busy the idle ones keep
     * their weighted shares and their smooth order. Because this round never runs over a subset it stays on its
     * period and replays it in O(1) (see {@link SmoothWeightedRoundRobin#roundAll()}), so the usual pick reads one
     * count, that of the peer the pool is about to raise anyway, and no other peer's or pool-wide count: on two event
     * loops those cost four to five times the target (469 CPU ns per pick with a pool-wide count of busy peers, 79-84
     * with the round's offer; JMH, 100 peers, two threads, session 14).
     *
     * <p>After {@link #OFFERS} busy offers nginx's cross-multiplying pass runs. If it finds an idle peer the round
     * goes on to the next idle one, for at most {@link #WALK_PER_PEER} offers per peer and one period (counts read
     * later may have moved), and only while the thread replays the round's period (each offer O(1)). A thread still
     * recording its first period (one period of picks after an update), a pool whose period is too long to record
     * (sum of weights above 65 536), or a walk that finds none takes nginx's round over the idle peers instead, on
     * nginx's own current weights ({@link #roundOverIdle}). Otherwise nginx's round over the least loaded decides.
     */
    private Endpoint pickPristine() {
        Endpoint offered = offerIdle(OFFERS);
        return offered != null ? offered : pickBusiest(peers, weight, true);
    }

    /** The idle round's next idle peer within {@code offers} offers (busy ones passed over), or null. */
    private Endpoint offerIdle(long offers) {
        Endpoint[] p = peers;
        for (long offer = 0; offer < offers; offer++) {
            Endpoint offered = p[idleRound.roundAll()];
            if (offered.inFlightRelaxed() == 0) {
                return offered;
            }
        }
        return null;
    }

    /**
     * nginx's least_conn while some peer is idle: the tied group is exactly the idle peers, so one pass does both of
     * nginx's passes: each idle peer's smooth round step ({@code current += weight}) is applied as the pass meets it
     * and the best idle peer is tracked; the round is committed at the end ({@code best.current -= total}). A single
     * idle peer is taken without a round, as nginx takes a single least loaded peer, so its step is taken back. If
     * no peer is idle any more, the cross-multiplying pass decides.
     */
    private Endpoint roundOverIdle(Endpoint[] p) {
        int n = p.length;
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
        return pickBusiest(p, w, false);
    }

    /**
     * nginx's first pass by cross-multiplying, then the round over the tied. With {@code walkIdle}, a least load of
     * 0 hands the tie to the idle round's walk (see {@link #pickPristine()}).
     */
    private Endpoint pickBusiest(Endpoint[] p, long[] w, boolean walkIdle) {
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
        if (bestConns == 0 && walkIdle) {
            Endpoint offered = offerIdle(Math.min(idleRound.replayedCycle(), WALK_PER_PEER * (long) n));
            return offered != null ? offered : roundOverIdle(p);
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
