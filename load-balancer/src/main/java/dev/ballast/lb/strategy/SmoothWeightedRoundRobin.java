package dev.ballast.lb.strategy;

import dev.ballast.lb.Eligibility;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.PickContext;

/**
 * nginx smooth weighted round robin (ngx_http_upstream_get_peer, commit 52327e06): every eligible peer's current
 * weight grows by its effective weight, the greatest wins (ties to the earlier peer) and drops by the total.
 * Weights {5,1,1} give a a b a c a a. nginx serialises this per upstream (one worker, or the zone lock), so do we:
 * one short lock per snapshot.
 */
public final class SmoothWeightedRoundRobin implements Strategy {

    private final Endpoint[] peers;
    private final long[] current;

    public SmoothWeightedRoundRobin(Endpoint[] peers) {
        this.peers = peers;
        this.current = new long[peers.length];
    }

    @Override
    public Endpoint pick(PickContext context, Eligibility eligibility, long nowNanos) {
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
                if (best < 0 || cw > bestWeight) {
                    best = i;
                    bestWeight = cw;
                }
            }
            if (best < 0) {
                return null;
            }
            current[best] = bestWeight - total;
            return peers[best];
        }
    }
}
