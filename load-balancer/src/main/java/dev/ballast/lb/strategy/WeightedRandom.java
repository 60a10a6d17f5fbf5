package dev.ballast.lb.strategy;

import dev.ballast.lb.Eligibility;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.PickContext;
import dev.ballast.lb.RandomSource;
import dev.ballast.lb.health.SlowStart;

/**
 * Weighted random (nginx random, Envoy RANDOM). Draws by rejection sampling against the largest weight, so a pick
 * is O(1) expected with no lock and no prefix table to rebuild when slow start changes a weight; falls back to one
 * weighted scan when unusable endpoints keep getting drawn.
 */
public final class WeightedRandom implements Strategy {

    static final int DRAW_ATTEMPTS = 16;

    private final Endpoint[] peers;
    private final RandomSource random;
    private final long maxWeight;
    private final boolean uniform;
    private final AliasTable alias;

    public WeightedRandom(Endpoint[] peers, RandomSource random) {
        this.peers = peers;
        this.random = random;
        long max = 0;
        boolean same = true;
        for (Endpoint peer : peers) {
            max = Math.max(max, (long) peer.weight() * SlowStart.FULL);
            same &= peer.weight() == peers[0].weight();
        }
        this.maxWeight = max;
        this.uniform = same;
        long[] weights = new long[peers.length];
        for (int i = 0; i < peers.length; i++) {
            weights[i] = peers[i].weight();
        }
        this.alias = new AliasTable(weights);
    }

    /** True when {@link #drawPristine} may be used for this request. */
    static boolean pristine(PickContext context, Eligibility eligibility) {
        return eligibility.pristine() && context.avoid().isEmpty();
    }

    /** Weighted draw when every peer is usable at its static weight: O(1), one random number. */
    int drawPristine() {
        return uniform ? random.nextInt(peers.length) : alias.draw(random.nextLong());
    }

    int size() {
        return peers.length;
    }

    @Override
    public Endpoint pick(PickContext context, Eligibility eligibility, long nowNanos) {
        if (peers.length > 0 && pristine(context, eligibility)) {
            return peers[drawPristine()];
        }
        int i = draw(-1, context, eligibility, nowNanos);
        return i >= 0 ? peers[i] : scan(-1, context, eligibility, nowNanos);
    }

    /**
     * One weighted draw of an allowed peer other than {@code exclude}, or -1 after {@link #DRAW_ATTEMPTS} misses.
     */
    int draw(int exclude, PickContext context, Eligibility eligibility, long nowNanos) {
        int n = peers.length;
        if (n == 0) {
            return -1;
        }
        for (int attempt = 0; attempt < DRAW_ATTEMPTS; attempt++) {
            int i = random.nextInt(n);
            if (i == exclude) {
                continue;
            }
            Endpoint peer = peers[i];
            long w = peer.rampedWeight(nowNanos);
            if (!(uniform && w == maxWeight) && random.nextLong(maxWeight) >= w) {
                continue;
            }
            if (eligibility.allows(peer, context, nowNanos)) {
                return i;
            }
        }
        return -1;
    }

    /** Exact weighted choice over all allowed peers (two passes); the slow path. */
    Endpoint scan(int exclude, PickContext context, Eligibility eligibility, long nowNanos) {
        long total = 0;
        for (int i = 0; i < peers.length; i++) {
            if (i != exclude && eligibility.allows(peers[i], context, nowNanos)) {
                total += peers[i].rampedWeight(nowNanos);
            }
        }
        if (total == 0) {
            return null;
        }
        long r = random.nextLong(total);
        Endpoint last = null;
        for (int i = 0; i < peers.length; i++) {
            Endpoint peer = peers[i];
            if (i != exclude && eligibility.allows(peer, context, nowNanos)) {
                last = peer;
                r -= peer.rampedWeight(nowNanos);
                if (r < 0) {
                    return peer;
                }
            }
        }
        return last;
    }

    int indexOf(Endpoint endpoint) {
        for (int i = 0; i < peers.length; i++) {
            if (peers[i] == endpoint) {
                return i;
            }
        }
        return -1;
    }

    Endpoint peer(int index) {
        return peers[index];
    }
}
