package dev.ballast.lb.strategy;

/**
 * Envoy's earliest-deadline-first scheduler (source/common/upstream/edf_scheduler.h): each peer has a deadline; a pick
 * takes the earliest (ties: the one inserted first), moves the schedule's clock to it and re-inserts the peer at
 * clock + 1/weight, the weight being computed at that moment. Over a fixed peer set, as a binary min-heap, so a pick
 * is O(log n) with no allocation. Not thread-safe: one per thread, as Envoy has one per worker.
 * The heap keeps each slot's deadline and insertion order next to its peer index, in heap order, so sifting
 * compares keys without first looking up which peer sits in a slot.
 */
final class EdfSchedule {

    /** Peer index in each heap slot. */
    private final int[] peer;
    /** Deadline of the peer in each heap slot. */
    private final double[] deadline;
    /** Insertion order of the peer in each heap slot: equal deadlines go to the earlier insertion. */
    private final long[] order;
    private long nextOrder;

    /** Every peer inserted at clock 0 in index order, at 1/weight (Envoy's add() for each host). */
    EdfSchedule(double[] weights) {
        int n = weights.length;
        peer = new int[n];
        deadline = new double[n];
        order = new long[n];
        for (int i = 0; i < n; i++) {
            peer[i] = i;
            deadline[i] = 1.0 / weights[i];
            order[i] = nextOrder++;
        }
        for (int i = n / 2 - 1; i >= 0; i--) {
            siftDown(i, peer[i], deadline[i], order[i]);
        }
    }

    /** The peer the next pick takes. */
    int next() {
        return peer[0];
    }

    /** Takes {@link #next()}: the clock moves to its deadline and it is re-inserted with {@code weight} (> 0). */
    int advance(double weight) {
        int taken = peer[0];
        double clock = deadline[0];
        siftDown(0, taken, clock + 1.0 / weight, nextOrder++);
        return taken;
    }

    /** Places (item, due, seq) at slot {@code at} or below it. */
    private void siftDown(int at, int item, double due, long seq) {
        int[] p = peer;
        double[] d = deadline;
        long[] o = order;
        int n = p.length;
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
