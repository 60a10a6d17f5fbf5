package dev.ballast.lb.strategy;

import java.util.Arrays;

/**
 * Envoy's earliest-deadline-first scheduler (source/common/upstream/edf_scheduler.h): each peer has a deadline; a pick
 * takes the earliest (ties: the one inserted first), moves the schedule's clock to it and re-inserts the peer at
 * clock + 1/weight, the weight being computed at that moment. Over a fixed peer set, with no allocation per pick. Not
 * thread-safe: one per thread, as Envoy has one per worker.
 *
 * <p>Two kinds of queue hold the entries, and a pick takes the earliest head among them, so the order is exactly one
 * priority queue's on (deadline, insertion order):
 * <ul>
 * <li>A <em>lane</em> per weight that peers usually have (their configured weights, at most {@link #MAX_LANES}): an
 * entry re-inserted with exactly a lane's weight lands at clock + 1/weight, never earlier than the lane's last entry
 * (the clock only moves forward and rounding is monotone) and always later in insertion order, so appending keeps the
 * lane sorted. A lane is a ring buffer: O(1) per pick.
 * <li>A binary min-heap for every other entry: a weight lowered by requests in flight, a slow-start ramp, a weight
 * with no lane, or a lane that is full.
 * </ul>
 * With every peer idle and at full weight (what one event loop sees between short requests) the heap stays empty and
 * a pick compares a few lane heads instead of sifting through log2(peers) heap levels (100 peers, three weights, one
 * thread: 70–84 CPU ns per pick and completion against 135–140 with the heap alone; see the module README).
 */
final class EdfSchedule {

    /**
     * A pick compares every lane's head, so lanes are for the usual configurations (one weight, or a few: the
     * benchmark's pools have three); peers with a fifth distinct weight go to the heap.
     */
    static final int MAX_LANES = 4;

    // ---- lanes: ring buffers, each sorted by (deadline, order) ----
    private final double[] laneWeight;
    private final int[][] lanePeer;
    private final double[][] laneDue;
    private final long[][] laneOrder;
    private final int[] laneHead;
    private final int[] laneSize;
    /** Deadline and order of each lane's head (infinite when the lane is empty): what a pick compares. */
    private final double[] headDue;
    private final long[] headOrder;
    /** 1 / the lane's weight, so a usual re-insert divides nothing. */
    private final double[] laneInterval;
    /** Each peer's usual weight and its lane, or -1 when that weight has none. */
    private final double[] usualWeight;
    private final int[] usualLane;

    // ---- heap: slots 0..heapSize-1, keys kept next to the peer index in heap order ----
    private final int[] peer;
    private final double[] deadline;
    private final long[] order;
    private int heapSize;

    private long nextOrder;
    /** The earliest entry: its lane, or -1 when it is the heap's top. */
    private int nextLane;

    /** Lanes for the distinct values of {@code weights} (the first {@link #MAX_LANES} met). */
    EdfSchedule(double[] weights) {
        this(weights, weights);
    }

    /**
     * Every peer inserted at clock 0 in index order, at 1/weight (Envoy's add() for each host). {@code usualWeights}
     * gives the weight each peer will usually be re-inserted with (see {@link #advanceUsual()}): one lane per
     * distinct value, the first {@link #MAX_LANES} met, each with room for the peers that carry it (rounded up to a
     * power of two). A peer whose lowered weight happens to equal another lane's weight takes room there; when a
     * lane is full its entries go to the heap, which costs time, not order.
     */
    EdfSchedule(double[] weights, double[] usualWeights) {
        int n = weights.length;
        double[] distinct = new double[MAX_LANES];
        int[] count = new int[MAX_LANES];
        usualLane = new int[n];
        usualWeight = usualWeights.clone();
        int lanes = 0;
        for (int i = 0; i < n; i++) {
            double w = usualWeights[i];
            int l = indexOf(distinct, lanes, w);
            if (l < 0 && lanes < MAX_LANES) {
                l = lanes++;
                distinct[l] = w;
            }
            if (l >= 0) {
                count[l]++;
            }
            usualLane[i] = l;
        }
        laneWeight = Arrays.copyOf(distinct, lanes);
        headDue = new double[lanes];
        headOrder = new long[lanes];
        laneInterval = new double[lanes];
        lanePeer = new int[lanes][];
        laneDue = new double[lanes][];
        laneOrder = new long[lanes][];
        laneHead = new int[lanes];
        laneSize = new int[lanes];
        for (int l = 0; l < lanes; l++) {
            int capacity = Integer.highestOneBit(Math.max(1, count[l]) * 2 - 1); // a power of two >= count
            lanePeer[l] = new int[capacity];
            laneDue[l] = new double[capacity];
            laneOrder[l] = new long[capacity];
            headDue[l] = Double.POSITIVE_INFINITY;
            headOrder[l] = Long.MAX_VALUE;
            laneInterval[l] = 1.0 / laneWeight[l];
        }
        peer = new int[n];
        deadline = new double[n];
        order = new long[n];
        for (int i = 0; i < n; i++) {
            // all at clock 0 in index order: each lane receives its peers in (deadline, order) order already
            insert(i, 1.0 / weights[i], nextOrder++, weights[i]);
        }
        nextLane = earliest();
    }

    private static int indexOf(double[] values, int length, double value) {
        for (int i = 0; i < length; i++) {
            if (values[i] == value) {
                return i;
            }
        }
        return -1;
    }

    /** The peer the next pick takes. */
    int next() {
        int l = nextLane;
        return l < 0 ? peer[0] : lanePeer[l][laneHead[l]];
    }

    /** Takes {@link #next()}: the clock moves to its deadline and it is re-inserted with {@code weight} (> 0). */
    int advance(double weight) {
        int l = nextLane;
        int taken;
        if (l >= 0) {
            double clock = headDue[l];
            taken = popLane(l);
            insert(taken, clock + 1.0 / weight, nextOrder++, weight);
        } else {
            taken = peer[0];
            double due = deadline[0] + 1.0 / weight;
            long seq = nextOrder++;
            if (!appended(taken, due, seq, weight)) {
                siftDown(0, taken, due, seq); // the top's slot is reused: one sift instead of a pop and a push
            } else {
                popHeap();
            }
        }
        nextLane = earliest();
        return taken;
    }

    /**
     * {@link #advance} with the weight {@code usualWeights} gave the peer that {@link #next()} names, without a
     * division: its lane's 1/weight is the same double that {@code 1.0 / weight} computes.
     */
    int advanceUsual() {
        int l = nextLane;
        int taken = l < 0 ? peer[0] : lanePeer[l][laneHead[l]];
        int to = usualLane[taken];
        if (to < 0) {
            return advance(usualWeight[taken]);
        }
        double clock;
        if (l >= 0) {
            clock = headDue[l];
            popLane(l);
        } else {
            clock = deadline[0];
            popHeap();
        }
        double due = clock + laneInterval[to];
        long seq = nextOrder++;
        if (!append(to, taken, due, seq)) {
            siftUp(heapSize++, taken, due, seq);
        }
        nextLane = earliest();
        return taken;
    }

    /** Into the lane for {@code weight} if it has one with room and the entry sorts last there, else the heap. */
    private void insert(int item, double due, long seq, double weight) {
        if (!appended(item, due, seq, weight)) {
            siftUp(heapSize++, item, due, seq);
        }
    }

    private boolean appended(int item, double due, long seq, double weight) {
        double[] lw = laneWeight;
        for (int l = 0; l < lw.length; l++) {
            if (lw[l] == weight) {
                return append(l, item, due, seq);
            }
        }
        return false;
    }

    /**
     * Appends to lane {@code l} unless it is full. No ordering check: every entry in a lane came in as
     * (clock + 1/weight) with the lane's weight and the clock never goes back, so this one's deadline is no earlier
     * than the last one's and its order is later.
     */
    private boolean append(int l, int item, double due, long seq) {
        int size = laneSize[l];
        int mask = lanePeer[l].length - 1;
        if (size > mask) {
            return false;
        }
        int at = (laneHead[l] + size) & mask;
        lanePeer[l][at] = item;
        laneDue[l][at] = due;
        laneOrder[l][at] = seq;
        laneSize[l] = size + 1;
        if (size == 0) {
            headDue[l] = due;
            headOrder[l] = seq;
        }
        return true;
    }

    private int popLane(int l) {
        int mask = lanePeer[l].length - 1;
        int h = laneHead[l];
        int item = lanePeer[l][h];
        int size = --laneSize[l];
        h = (h + 1) & mask;
        laneHead[l] = h;
        if (size > 0) {
            headDue[l] = laneDue[l][h];
            headOrder[l] = laneOrder[l][h];
        } else {
            headDue[l] = Double.POSITIVE_INFINITY;
            headOrder[l] = Long.MAX_VALUE;
        }
        return item;
    }

    private void popHeap() {
        int last = --heapSize;
        if (last > 0) {
            siftDown(0, peer[last], deadline[last], order[last]);
        }
    }

    /** Which queue holds the earliest entry: a lane's index, or -1 for the heap. */
    private int earliest() {
        int best = -1;
        double bestDue = Double.POSITIVE_INFINITY;
        long bestOrder = Long.MAX_VALUE;
        if (heapSize > 0) {
            bestDue = deadline[0];
            bestOrder = order[0];
        }
        double[] due = headDue;
        for (int l = 0; l < due.length; l++) {
            double d = due[l];
            if (d < bestDue || (d == bestDue && headOrder[l] < bestOrder)) {
                best = l;
                bestDue = d;
                bestOrder = headOrder[l];
            }
        }
        return best;
    }

    /** Places (item, due, seq) at slot {@code at} or above it. */
    private void siftUp(int at, int item, double due, long seq) {
        int[] p = peer;
        double[] d = deadline;
        long[] o = order;
        while (at > 0) {
            int parent = (at - 1) >>> 1;
            double dp = d[parent];
            if (dp < due || (dp == due && o[parent] < seq)) {
                break;
            }
            p[at] = p[parent];
            d[at] = dp;
            o[at] = o[parent];
            at = parent;
        }
        p[at] = item;
        d[at] = due;
        o[at] = seq;
    }

    /** Places (item, due, seq) at slot {@code at} or below it, within the heap's size. */
    private void siftDown(int at, int item, double due, long seq) {
        int[] p = peer;
        double[] d = deadline;
        long[] o = order;
        int n = heapSize;
        while (true) {
            int child = 2 * at + 1;
            if (child >= n) {
                break;
            }
            int right = child + 1;
            if (right < n) {
                // branch-free: which child is earlier is a coin toss the predictor cannot learn
                double dl = d[child];
                double dr = d[right];
                boolean rightFirst = dr < dl | (dr == dl & o[right] < o[child]);
                child += rightFirst ? 1 : 0;
            }
            double dc = d[child];
            if (dc > due || (dc == due && o[child] > seq)) {
                break;
            }
            p[at] = p[child];
            d[at] = dc;
            o[at] = o[child];
            at = child;
        }
        p[at] = item;
        d[at] = due;
        o[at] = seq;
    }
}
