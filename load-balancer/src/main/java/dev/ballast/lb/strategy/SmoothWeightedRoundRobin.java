package dev.ballast.lb.strategy;

import dev.ballast.lb.Eligibility;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.PickContext;
import dev.ballast.lb.health.SlowStart;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * nginx smooth weighted round robin (ngx_http_upstream_get_peer, commit 52327e06): every eligible peer's current
 * weight grows by its effective weight, the greatest wins (ties to the earlier peer) and drops by the total.
 * Weights {5,1,1} give a a b a c a a. The current weights are kept per thread (per event loop), as nginx without a
 * {@code zone} keeps them per worker process, so picks take no lock. Least-conn breaks its ties with two instances
 * of these rounds (see {@link LeastConnections}).
 */
public final class SmoothWeightedRoundRobin implements Strategy {

    /** Fractional part of the golden ratio: spreads the threads' starting points evenly over the cycle. */
    private static final double SPREAD = 0.6180339887498949;
    /** Upper bound on peer visits spent placing a new thread's state: a fraction of a millisecond, once per update. */
    private static final long MAX_PLACEMENT_VISITS = 1L << 18;
    /** Longest cycle (sum of the weights) a thread records to replay: 256 KB of picks per thread and snapshot. */
    static final int MAX_REPLAYED_CYCLE = 1 << 16;

    private final Endpoint[] peers;
    /** Weights in the same thousandths as {@link Endpoint#selectionWeight}, for the all-usable fast path. */
    private final long[] weight;
    /** Length of the all-usable cycle in picks: the sum of the weights (nginx's period). */
    private final long cycle;
    /** Sum of {@link #weight}: the total of an all-peers round. */
    private final long weightSum;
    /**
     * This thread's current weights (nginx peer->current_weight), one array per thread and snapshot: an update
     * builds a new strategy, so every thread starts a fresh cycle over the new peers, as nginx workers do on reload.
     */
    private final ThreadLocal<Rounds> current = ThreadLocal.withInitial(this::placeNewThread);
    private final AtomicInteger threadsSeen = new AtomicInteger();

    public SmoothWeightedRoundRobin(Endpoint[] peers) {
        this.peers = peers;
        this.weight = new long[peers.length];
        long sum = 0;
        for (int i = 0; i < peers.length; i++) {
            weight[i] = (long) peers[i].weight() * SlowStart.FULL;
            sum += peers[i].weight();
        }
        this.cycle = sum;
        this.weightSum = sum * SlowStart.FULL;
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
     * The first thread starts at nginx's initial state (all zero), so one event loop sees nginx's exact sequence.
     * Each further thread starts some rounds into the same cycle (golden-ratio spacing, Envoy's createWithPicks
     * idea): two event loops then hit different endpoints at any moment instead of moving over the pool in
     * lock-step and bouncing the same in-flight counters between cores. Each still runs the exact nginx sequence
     * from where it starts.
     */
    private Rounds placeNewThread() {
        long[] cur = new long[peers.length];
        int ordinal = threadsSeen.getAndIncrement();
        if (ordinal == 0 || peers.length < 2) {
            return new Rounds(cur);
        }
        double phase = ordinal * SPREAD - Math.floor(ordinal * SPREAD);
        // Large pools: spread over the first part of the cycle that the placement budget reaches, so threads still
        // land on distinct points instead of all at the budget's end.
        long span = Math.min(cycle, Math.max(1, MAX_PLACEMENT_VISITS / peers.length));
        long rounds = (long) (phase * span);
        for (long r = 0; r < rounds; r++) {
            roundAll(cur);
        }
        return new Rounds(cur);
    }

    /**
     * One round over all peers, all usable at full weight: the whole pool's fast path. Returns the chosen index.
     * With every weight fixed, a thread's rounds repeat with the period of the sum of the weights (each peer is
     * chosen weight times per period and its current weight comes back to where it was), so once a thread has seen
     * one whole period of such rounds bring its current weights back to their value at the period's start, it
     * replays the period's picks, O(1) per pick, instead of recomputing them, O(peers). The replay is exact: the
     * rounds are a function of the current weights alone, and those were checked to repeat. A checked round
     * (some peer out, a penalty, a ramp, a retry avoiding a peer) first rebuilds the current weights at the replay's
     * position, then runs nginx's loop as before; the thread records again from its next all-peers round.
     */
    int roundAll() {
        Rounds r = current.get();
        int[] replay = r.replay;
        if (replay != null) {
            int pos = r.pos;
            r.pos = pos + 1 == replay.length ? 0 : pos + 1;
            return replay[pos];
        }
        if (r.recorded < 0) {
            if (cycle > MAX_REPLAYED_CYCLE) {
                return roundAll(r.cur);
            }
            r.startRecording((int) cycle);
        }
        int best = roundAll(r.cur);
        r.recording[r.recorded++] = best;
        if (r.recorded == cycle) {
            r.endRecording();
        }
        return best;
    }

    /**
     * Picks in one period of all-peers rounds (the sum of the weights) while this thread replays its recorded
     * period, so that an all-peers round costs O(1); else 0 (still recording, or a period too long to record).
     */
    long replayedCycle() {
        return current.get().replay != null ? cycle : 0;
    }

    /** This thread's current weights, for least-conn's pass, which runs the round over the idle peers itself. */
    long[] currentWeights() {
        return explicit();
    }

    /** This thread's current weights as nginx keeps them, for a round that is not an all-peers one. */
    private long[] explicit() {
        Rounds r = current.get();
        if (r.replay != null) {
            r.stopReplay(weight, weightSum);
        }
        if (r.recorded >= 0) {
            r.recorded = -1;
        }
        return r.cur;
    }

    /**
     * One thread's round-robin state: nginx's current weights, plus the recording and replay of a whole period of
     * all-peers rounds (see {@link #roundAll()}).
     */
    private static final class Rounds {
        /** nginx's current weights; while replaying, their value at position 0 of {@link #replay}. */
        final long[] cur;
        /** Non-null while replaying: one period of picks, starting from {@link #cur}. */
        int[] replay;
        /** Next position in {@link #replay}. */
        int pos;
        /** Picks recorded since {@link #recordedFrom}, or -1 when not recording. */
        int recorded = -1;
        int[] recording;
        long[] recordedFrom;

        Rounds(long[] cur) {
            this.cur = cur;
        }

        void startRecording(int period) {
            if (recording == null || recording.length != period) {
                recording = new int[period];
                recordedFrom = new long[cur.length];
            }
            System.arraycopy(cur, 0, recordedFrom, 0, cur.length);
            recorded = 0;
        }

        /** A whole period recorded: replay it if it brought the current weights back to where it started. */
        void endRecording() {
            recorded = -1;
            if (Arrays.equals(cur, recordedFrom)) {
                replay = recording;
                recording = null;
                pos = 0;
            }
        }

        /** Leaves the replay with the current weights nginx would have at its position. */
        void stopReplay(long[] weight, long weightSum) {
            int[] picks = replay;
            int at = pos;
            for (int i = 0; i < cur.length; i++) {
                cur[i] += at * weight[i];
            }
            for (int k = 0; k < at; k++) {
                cur[picks[k]] -= weightSum;
            }
            replay = null;
            recording = picks;
        }
    }

    private int roundAll(long[] cur) {
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

    /**
     * Least-conn's tie-break when every peer is usable at full weight: one round over the peers from {@code from}
     * whose in-flight count over weight equals tieConns/tieWeight. Returns the index, or -1 when none matches
     * (the counts moved since least-conn's pass).
     */
    int roundAmongTied(int from, long tieConns, long tieWeight) {
        long[] cur = explicit();
        long[] w = weight;
        Endpoint[] p = peers;
        int best = -1;
        long bestCurrent = Long.MIN_VALUE;
        long total = 0;
        for (int i = from; i < p.length; i++) {
            if (p[i].inFlightRelaxed() * tieWeight != tieConns * w[i]) {
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

    /**
     * One checked round over the peers from index {@code from} that the eligibility allows, with effective weights
     * and slow start. With {@code tieWeight > 0} only peers whose in-flight/weight equals tieConns/tieWeight take
     * part (least-conn's tie-break). Returns null when no peer took part. The effective weights it reads and
     * recovers are the endpoints' own (shared by all threads): a failure seen on one event loop lowers the weight
     * every loop uses, and every loop's round climbs it back by one.
     */
    Endpoint round(int from, long tieConns, long tieWeight, PickContext context, Eligibility eligibility,
            long nowNanos) {
        long[] cur = explicit();
        boolean below = false;
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
            long cw = cur[i] + w;
            cur[i] = cw;
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
        cur[best] = bestCurrent - total;
        if (!below && tieWeight == 0) {
            eligibility.weightsRecovered();
        }
        return peers[best];
    }
}
