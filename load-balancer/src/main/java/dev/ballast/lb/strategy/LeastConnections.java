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

    private final Endpoint[] peers;
    private final long[] current;

    public LeastConnections(Endpoint[] peers) {
        this.peers = peers;
        this.current = new long[peers.length];
    }

    @Override
    public Endpoint pick(PickContext context, Eligibility eligibility, long nowNanos) {
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
