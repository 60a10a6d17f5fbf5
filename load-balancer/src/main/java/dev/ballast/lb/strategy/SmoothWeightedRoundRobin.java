package dev.ballast.lb.strategy;

import dev.ballast.lb.Eligibility;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.PickContext;
import dev.ballast.lb.health.SlowStart;

/**
 * nginx smooth weighted round robin (ngx_http_upstream_get_peer, commit 52327e06): every eligible peer's current
 * weight grows by its effective weight, the greatest wins (ties to the earlier peer) and drops by the total.
 * Weights {5,1,1} give a a b a c a a. nginx serialises this per upstream (one worker, or the zone lock), so do we:
 * one short lock per snapshot.
 */
public final class SmoothWeightedRoundRobin implements Strategy {

    private final Endpoint[] peers;
    private final long[] current;
    /** Weights in the same thousandths as {@link Endpoint#selectionWeight}, for the pristine fast path. */
    private final long[] weight;
    private final long totalWeight;

    public SmoothWeightedRoundRobin(Endpoint[] peers) {
        this.peers = peers;
        this.current = new long[peers.length];
        this.weight = new long[peers.length];
        long total = 0;
        for (int i = 0; i < peers.length; i++) {
            weight[i] = (long) peers[i].weight() * SlowStart.FULL;
            total += weight[i];
        }
        this.totalWeight = total;
    }

    @Override
    public Endpoint pick(PickContext context, Eligibility eligibility, long nowNanos) {
        if (eligibility.pristine() && context.avoid().isEmpty() && peers.length > 0) {
            return peers[pickPristine()];
        }
        return pickChecked(context, eligibility, nowNanos);
    }

    /** Every peer eligible at full weight: the same arithmetic over plain arrays. */
    private int pickPristine() {
        synchronized (this) {
            long[] cur = current;
            long[] w = weight;
            int best = 0;
            long bestWeight = Long.MIN_VALUE;
            for (int i = 0; i < cur.length; i++) {
                long cw = cur[i] + w[i];
                cur[i] = cw;
                if (cw > bestWeight) {
                    best = i;
                    bestWeight = cw;
                }
            }
            cur[best] = bestWeight - totalWeight;
            return best;
        }
    }

    private Endpoint pickChecked(PickContext context, Eligibility eligibility, long nowNanos) {
        boolean below = false;
        Endpoint chosen;
        synchronized (this) {
            int best = -1;
            long total = 0;
            long bestWeight = 0;
            for (int i = 0; i < peers.length; i++) {
                Endpoint peer = peers[i];
                if (!eligibility.allows(peer, context, nowNanos)) {
                    continue;
                }
                long w = peer.selectionWeight(nowNanos);
                long cw = current[i] + w;
                current[i] = cw;
                total += w;
                peer.recoverEffectiveWeight();
                below |= peer.effectiveWeight() < peer.weight();
                if (best < 0 || cw > bestWeight) {
                    best = i;
                    bestWeight = cw;
                }
            }
            if (best < 0) {
                return null;
            }
            current[best] = bestWeight - total;
            chosen = peers[best];
        }
        if (!below) {
            eligibility.weightsRecovered();
        }
        return chosen;
    }
}
