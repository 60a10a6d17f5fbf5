package dev.ballast.lb.strategy;

import java.util.Arrays;

/**
 * Envoy's earliest-deadline-first schedule for least-request when every weight is a whole number and
 * {@code active_request_bias} is 1 or 0, in exact arithmetic. A peer picked with {@code k} requests in flight comes
 * back at its deadline + (k + 1) / weight (bias 1: Envoy's 1 / (weight / (k + 1))), or + 1 / weight (bias 0). So
 * every deadline peer i ever has is a fraction a / w<sub>i</sub> with a whole numerator a: the schedule keeps that
 * numerator per peer ({@link #numerator}) and compares deadlines by cross-multiplying. Envoy adds doubles, whose
 * rounding decides some ties (ten steps of 1/10 come to 0.9999999999999999, before a peer due at 1); here equal
 * fractions are equal.
 *
 * <p>Equal deadlines go to the smaller weight, then to the peer listed first. While every peer comes back at its own
 * weight (idle), that is exactly the order Envoy's first-inserted-first tie-break gives with exact deadlines: of two
 * peers due at the same d, the one with the smaller weight was re-inserted from d - 1/w, earlier than the other, and
 * two peers with the same weight were due together at every step back to the start, where they went in pool order.
 * A peer that was busy was re-inserted earlier than that rule assumes, so among equal deadlines it can go later than
 * in Envoy; the shares do not change.
 *
 * <p>Because the order is a function of the numerators alone, two ways to find the earliest deadline give the same
 * picks, and the schedule moves between them with the load:
 * <ul>
 * <li><em>Replay</em>: with every peer idle the picks repeat every W = sum of the weights picks (each peer's deadline
 * grows by exactly 1 per period); the {@link Period} table holds one period, shared by every thread. A busy peer has
 * skipped some of its occurrences (its numerator is ahead); the walk passes over them. O(1) per pick plus the
 * occurrences passed over, which average the in-flight count of the picked peers.
 * <li><em>Heap</em>: a binary heap of peers on (deadline, weight, index). O(log n) per pick, whatever the load.
 * </ul>
 * Measured on one thread (JMH, 100 peers of weights 1–3): the walk costs about 9 ns per pick idle, 16 with 4 requests
 * in flight per peer, 58 with 32; the heap costs 125–145 whatever the load (3 peers: 14; 1 000 peers: 135–200),
 * about 20 ns per level. So the schedule moves to the heap once the picked peers average more than
 * {@link #HEAP_PER_LEVEL} requests in flight per heap level (checked once per window of max(64, n) picks) or as soon
 * as one walk passes over more than 2n + 64 occurrences, and back to the walk below half that; a pool whose period is
 * longer than {@link #MAX_PERIOD} always uses the heap.
 *
 * <p>Not thread-safe: one per thread, as Envoy has one per worker. No allocation per pick.
 */
final class ExactEdf {

    /** Longest period (sum of the weights) tabled for replay: 12 bytes per pick of the period, per snapshot. */
    static final int MAX_PERIOD = 1 << 16;
    /** Average in-flight count of the picked peers, per level of the heap, from which the heap is cheaper. */
    static final int HEAP_PER_LEVEL = 10;
    /** Numerators are moved back by whole periods once one passes this, so products stay far below 2^63. */
    static final long REBASE_AT = 1L << 40;

    /** One period of an idle pool's picks, in order; immutable, shared by the threads of a snapshot. */
    static final class Period {
        /** The peer at each position. */
        final int[] peer;
        /** Its numerator there within the period, 1..weight: position p of period r is due at r + occurrence / weight. */
        final int[] occurrence;
        /** The position of peer i's occurrence a at {@code start[i] + a - 1}. */
        final int[] position;
        final int[] start;

        private Period(int length, int peers) {
            peer = new int[length];
            occurrence = new int[length];
            position = new int[length];
            start = new int[peers];
        }

        /** The table for these weights, or null when there are none or their sum is above {@link #MAX_PERIOD}. */
        static Period of(int[] weights) {
            long sum = 0;
            for (int w : weights) {
                sum += w;
            }
            if (sum == 0 || sum > MAX_PERIOD) {
                return null;
            }
            Period period = new Period((int) sum, weights.length);
            for (int i = 1; i < weights.length; i++) {
                period.start[i] = period.start[i - 1] + weights[i - 1];
            }
            ExactEdf idle = new ExactEdf(weights, null); // the heap, every peer back at its own weight each time
            for (int p = 0; p < sum; p++) {
                int i = idle.next();
                int a = (int) idle.numerator(i);
                period.peer[p] = i;
                period.occurrence[p] = a;
                period.position[period.start[i] + a - 1] = p;
                idle.advance(1);
            }
            return period;
        }

        int length() {
            return peer.length;
        }
    }

    private final int[] weight;
    /** Each peer's deadline is next[i] / weight[i]. */
    private final long[] next;
    /** Null: the heap only. */
    private final Period period;
    private final int window;
    private final int walkLimit;
    private final long rebaseAt;
    /** Average in-flight count above which the heap is used, and below which the walk is used again. */
    private final long heapAbove;
    private final long replayBelow;

    private boolean replaying;
    /** Replay: the next position to look at, and its period (positions of period r hold deadlines in (r, r + 1]). */
    private int pos;
    private long round;
    /** Heap: peer indices in heap order; valid while not replaying. */
    private final int[] heap;
    /**
     * The last pick and the steps it moved on: its numerator then, next[lastPeer] - lastSteps, is where a replay
     * resumes and the base a rebase keeps.
     */
    private int lastPeer = -1;
    private long lastSteps;
    private int windowLeft;
    private long windowLoad;
    /** Moves from the walk to the heap so far (for tests: an idle or lightly loaded pool never makes one). */
    private int heapMoves;

    /**
     * Every peer (at least one) due at 1 / weight, none picked yet. {@code period} is {@link Period#of} these
     * weights, or null.
     */
    ExactEdf(int[] weights, Period period) {
        this(weights, period, REBASE_AT);
    }

    /** With another rebase threshold, so tests reach a rebase in a few picks. */
    ExactEdf(int[] weights, Period period, long rebaseAt) {
        int n = weights.length;
        this.rebaseAt = rebaseAt;
        this.weight = weights.clone();
        this.next = new long[n];
        Arrays.fill(next, 1L);
        this.period = period;
        this.window = Math.max(64, n);
        this.windowLeft = window;
        this.walkLimit = 2 * n + 64;
        int levels = 32 - Integer.numberOfLeadingZeros(n);
        this.heapAbove = (long) HEAP_PER_LEVEL * levels;
        this.replayBelow = heapAbove / 2;
        this.heap = new int[n];
        this.replaying = period != null;
        if (!replaying) {
            buildHeap();
        }
    }

    /**
     * The peer the next pick takes (it stays there until {@link #advance}). Replaying, the walk passes over the
     * occurrences a busy peer skipped: they are the ones before its deadline.
     */
    int next() {
        if (!replaying) {
            return heap[0];
        }
        int[] peer = period.peer;
        int[] occurrence = period.occurrence;
        int p = pos;
        long r = round;
        for (int walked = 0; ; walked++) {
            int i = peer[p];
            long due = r * weight[i] + occurrence[p];
            if (due == next[i]) {
                pos = p;
                round = r;
                return i;
            }
            assert due < next[i] : "the walk passed peer " + i + "'s deadline";
            if (walked == walkLimit) {
                toHeap(); // nothing was picked on the way, so every deadline is still where it was
                return heap[0];
            }
            if (++p == peer.length) {
                p = 0;
                r++;
            }
        }
    }

    /**
     * Takes the peer {@link #next()} named: its deadline moves on by {@code steps} / weight ({@code steps} =
     * in-flight + 1 for bias 1, 1 for bias 0).
     */
    void advance(long steps) {
        int i;
        if (replaying) {
            i = period.peer[pos];
            if (++pos == period.peer.length) {
                pos = 0;
                round++;
            }
        } else {
            i = heap[0];
        }
        lastPeer = i;
        lastSteps = steps;
        next[i] += steps;
        if (!replaying) {
            siftDown(0, i);
        }
        if (next[i] > rebaseAt) {
            rebase();
        }
        windowLoad += steps - 1;
        if (--windowLeft == 0) {
            adapt();
        }
    }

    /** Peer i's deadline numerator (deadline = numerator / weight). */
    long numerator(int i) {
        return next[i];
    }

    boolean replaying() {
        return replaying;
    }

    int heapMoves() {
        return heapMoves;
    }

    private void adapt() {
        long load = windowLoad;
        windowLeft = window;
        windowLoad = 0;
        if (replaying && load > heapAbove * window) {
            toHeap();
        } else if (!replaying && period != null && load < replayBelow * window) {
            toReplay();
        }
    }

    private void toHeap() {
        heapMoves++;
        replaying = false;
        windowLeft = window;
        windowLoad = 0;
        buildHeap();
    }

    /** Resumes the walk just after the last pick: every deadline still due comes after that pick's. */
    private void toReplay() {
        replaying = true;
        windowLeft = window;
        windowLoad = 0;
        if (lastPeer < 0) {
            pos = 0;
            round = 0;
            return;
        }
        int w = weight[lastPeer];
        long lastNumerator = next[lastPeer] - lastSteps;
        round = (lastNumerator - 1) / w;
        int a = (int) ((lastNumerator - 1) % w) + 1;
        int p = period.position[period.start[lastPeer] + a - 1] + 1;
        if (p == period.peer.length) {
            p = 0;
            round++;
        }
        pos = p;
        assert standsJustAfter(lastPeer, lastNumerator) : "the walk resumes elsewhere than after the last pick";
    }

    /** The position before the walk's holds this peer's occurrence with this numerator. */
    private boolean standsJustAfter(int peer, long numerator) {
        int p = pos == 0 ? period.peer.length - 1 : pos - 1;
        long r = pos == 0 ? round - 1 : round;
        return period.peer[p] == peer && r * weight[peer] + period.occurrence[p] == numerator;
    }

    /**
     * Moves every deadline back by the whole periods before the last pick's: the order is unchanged (all move by the
     * same amount, and so does the walk's period) and no numerator drops below 1 (each is due after the last pick).
     */
    private void rebase() {
        long k = (next[lastPeer] - lastSteps - 1) / weight[lastPeer];
        for (int i = 0; i < next.length; i++) {
            next[i] -= k * weight[i];
        }
        round -= k;
    }

    /** (deadline, weight, index) of a before b's. */
    private boolean before(int a, int b) {
        long left = next[a] * weight[b];
        long right = next[b] * weight[a];
        if (left != right) {
            return left < right;
        }
        return weight[a] != weight[b] ? weight[a] < weight[b] : a < b;
    }

    private void buildHeap() {
        int n = heap.length;
        for (int i = 0; i < n; i++) {
            heap[i] = i;
        }
        for (int at = (n >>> 1) - 1; at >= 0; at--) {
            siftDown(at, heap[at]);
        }
    }

    /** Places {@code item} at slot {@code at} or below it. */
    private void siftDown(int at, int item) {
        int[] h = heap;
        int n = h.length;
        while (true) {
            int child = 2 * at + 1;
            if (child >= n) {
                break;
            }
            if (child + 1 < n && before(h[child + 1], h[child])) {
                child++;
            }
            if (!before(h[child], item)) {
                break;
            }
            h[at] = h[child];
            at = child;
        }
        h[at] = item;
    }
}
