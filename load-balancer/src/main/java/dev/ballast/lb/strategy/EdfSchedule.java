package dev.ballast.lb.strategy;

/**
 * Envoy's earliest-deadline-first scheduler (source/common/upstream/edf_scheduler.h): each peer has a deadline; a pick
 * takes the earliest (ties: the one inserted first), moves the schedule's clock to it and re-inserts the peer at
 * clock + 1/weight, the weight being computed at that moment. Over a fixed peer set, as a binary min-heap of peer
 * indexes, so a pick is O(log n) with no allocation. Not thread-safe: one per thread, as Envoy has one per worker.
 */
final class EdfSchedule {

    private final int[] heap;
    private final double[] deadline;
    private final long[] order;
    private double clock;
    private long nextOrder;

    /** Every peer inserted at clock 0 in index order, at 1/weight (Envoy's add() for each host). */
    EdfSchedule(double[] weights) {
        int n = weights.length;
        heap = new int[n];
        deadline = new double[n];
        order = new long[n];
        for (int i = 0; i < n; i++) {
            deadline[i] = 1.0 / weights[i];
            order[i] = nextOrder++;
            heap[i] = i;
        }
        for (int i = n / 2 - 1; i >= 0; i--) {
            siftDown(i);
        }
    }

    /** The peer the next pick takes. */
    int next() {
        return heap[0];
    }

    /** Takes {@link #next()}: the clock moves to its deadline and it is re-inserted with {@code weight} (> 0). */
    int advance(double weight) {
        int i = heap[0];
        clock = deadline[i];
        deadline[i] = clock + 1.0 / weight;
        order[i] = nextOrder++;
        siftDown(0);
        return i;
    }

    private void siftDown(int at) {
        int n = heap.length;
        int item = heap[at];
        while (true) {
            int child = 2 * at + 1;
            if (child >= n) {
                break;
            }
            if (child + 1 < n && earlier(heap[child + 1], heap[child])) {
                child++;
            }
            if (!earlier(heap[child], item)) {
                break;
            }
            heap[at] = heap[child];
            at = child;
        }
        heap[at] = item;
    }

    private boolean earlier(int a, int b) {
        return deadline[a] < deadline[b] || (deadline[a] == deadline[b] && order[a] < order[b]);
    }
}
