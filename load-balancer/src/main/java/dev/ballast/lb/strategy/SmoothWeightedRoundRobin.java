package dev.ballast.lb.strategy;

import dev.ballast.lb.Eligibility;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.PickContext;
import dev.ballast.lb.health.SlowStart;

/**
 * nginx smooth weighted round robin (ngx_http_upstream_get_peer, commit 52327e06): every eligible peer's current
 * weight grows by its effective weight, the greatest wins (ties to the earlier peer) and drops by the total.
 * Weights {5,1,1} give a a b a c a a. nginx serialises this per upstream (one worker, or the zone lock), so do we:
 * one short lock per snapshot. Least-conn reuses the same rounds for its tie-break, as nginx does.
 */
public final class SmoothWeightedRoundRobin implements Strategy {

    private final Endpoint[] peers;
    private final long[] current;
    /** Weights in the same thousandths as {@link Endpoint#selectionWeight}, for the all-usable fast path. */
    private final long[] weight;

    public SmoothWeightedRoundRobin(Endpoint[] peers) {
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
            return peers[roundAll()];
        }
        return round(0, 0, 0, context, eligibility, nowNanos);
    }

    /** Static weights in thousandths, by snapshot index. */
    long[] weights() {
        return weight;
    }

    /**
     * One round over all peers, all usable at full weight: the whole pool's fast path, and least-conn's when every
     * peer is tied. Returns the chosen index.
     */
    int roundAll() {
        synchronized (this) {
            long[] cur = current;
            long[] w = weight;
            int best = 0;
            long bestCurrent = Long.MIN_VALUE;
            long total = 0;
            for (int i = 0; i < cur.length; i++) {
                long cw = cur[i] + w[i];
                cur[i] = cw;
                total += w[i];
                if (cw > bestCurrent) {
                    best = i;
                    bestCurrent = cw;
                }
            }
            cur[best] = bestCurrent - total;
            return best;
        }
    }

    /**
     * Least-conn's tie-break when every peer is usable at full weight: one round over the peers from {@code from}
     * whose in-flight count over weight equals tieConns/tieWeight. Returns the index, or -1 when none matches
     * (the counts moved since least-conn's pass).
     */
    int roundAmongTied(int from, long tieConns, long tieWeight) {
        synchronized (this) {
            long[] cur = current;
            long[] w = weight;
            int best = -1;
            long bestCurrent = Long.MIN_VALUE;
            long total = 0;
            for (int i = from; i < peers.length; i++) {
                if (peers[i].inFlightRelaxed() * tieWeight != tieConns * w[i]) {
                    continue;
                }
                long cw = cur[i] + w[i];
                cur[i] = cw;
                total += w[i];
                if (best < 0 || cw > bestCurrent) {
                    best = i;
                    bestCurrent = cw;
                }
            }
            if (best >= 0) {
                cur[best] = bestCurrent - total;
            }
            return best;
        }
    }

    /**
     * One checked round over the peers from index {@code from} that the eligibility allows, with effective weights
     * and slow start. With {@code tieWeight > 0} only peers whose in-flight/weight equals tieConns/tieWeight take
     * part (least-conn's tie-break). Returns null when no peer took part.
     */
    Endpoint round(int from, long tieConns, long tieWeight, PickContext context, Eligibility eligibility,
            long nowNanos) {
        boolean below = false;
        Endpoint chosen;
        synchronized (this) {
            int best = -1;
            long total = 0;
            long bestCurrent = 0;
            for (int i = from; i < peers.length; i++) {
                Endpoint peer = peers[i];
                if (!eligibility.allows(peer, context, nowNanos) || tieWeight > 0
                        && peer.inFlight() * tieWeight != tieConns * peer.rampedWeight(nowNanos)) {
                    continue;
                }
                long w = peer.selectionWeight(nowNanos);
                long cw = current[i] + w;
                current[i] = cw;
                total += w;
                peer.recoverEffectiveWeight();
                below |= peer.effectiveWeight() < peer.weight();
                if (best < 0 || cw > bestCurrent) {
                    best = i;
                    bestCurrent = cw;
                }
            }
            if (best < 0) {
                return null;
            }
            current[best] = bestCurrent - total;
            chosen = peers[best];
        }
        if (!below && tieWeight == 0) {
            eligibility.weightsRecovered();
        }
        return chosen;
    }
}
