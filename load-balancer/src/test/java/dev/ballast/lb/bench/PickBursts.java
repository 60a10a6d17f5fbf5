package dev.ballast.lb.bench;

import dev.ballast.lb.Lease;
import dev.ballast.lb.Outcome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Pick + complete on a shared pool, measured in short alternating bursts next to {@link PickBenchmark}'s floor row, so
 * every strategy figure can be compared with a floor figure taken within the same second.
 *
 * <p>Why: on this two-vCPU VM the price of moving a cache line between the two vCPUs flips between two levels every
 * 10-30 s (session 23: the floor row runs at about 20 ns, then about 65 ns, and back), while one-thread work and
 * work on unshared pools barely move. A JMH iteration or fork averages over both levels in whatever mix the host gave
 * it, which is most of the fork-to-fork spread in the README. Here all threads run the floor for one burst, then
 * each strategy for one burst, in a cycle; each cycle is filed under "near" or "far" by its floor figure, and the
 * medians are reported per level, as they are and minus the floor of the same cycle. Wall time per pick per thread
 * (time x threads / picks), not CPU time.
 *
 * <p>bench/load-balancer-bursts.sh runs one strategy per JVM: with several pools of different strategies in one JVM
 * the pool's call to its strategy sees several classes and the JIT compiles it differently from the JMH benchmark,
 * where a fork runs one strategy (session 23: round robin 200-250 ns next to three other strategies, 130-160 alone).
 *
 * <p>Arguments: strategies (comma-separated, {@link PickBenchmark.Pool#strategy} labels), seconds of measurement,
 * seconds of warm-up (run the same way, not reported), burst milliseconds, threads, the floor figure in ns that
 * separates near from far, and endpoints. bench/load-balancer-bursts.sh passes them.
 */
public final class PickBursts {

    /** Picks per batch; a worker looks at the phase between batches. */
    static final int BATCH = 1000;
    /** One counter per thread, 16 longs apart, so the counters share no line with each other. */
    static final int STRIDE = 16;

    private final List<String> rows;
    private final PickBenchmark.Pool[] pools;
    private final PickBenchmark.SharedCounts floor = new PickBenchmark.SharedCounts();
    /** Picks per thread, written by its worker only; opaque access, so the controller sees each batch once done. */
    private final AtomicLongArray picks;
    private volatile int phase = -1;
    private volatile boolean stop;

    private PickBursts(List<String> strategies, int endpoints, int threads) {
        rows = new ArrayList<>();
        rows.add("floor");
        rows.addAll(strategies);
        pools = new PickBenchmark.Pool[rows.size()];
        for (int i = 1; i < rows.size(); i++) {
            PickBenchmark.Pool pool = new PickBenchmark.Pool();
            pool.strategy = rows.get(i);
            pool.endpoints = endpoints;
            pool.setUp();
            pools[i] = pool;
        }
        floor.setUp();
        picks = new AtomicLongArray((threads + 1) * STRIDE);
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 7) {
            System.err.println("usage: PickBursts STRATEGIES SECONDS WARMUP_SECONDS BURST_MS THREADS SPLIT_NS ENDPOINTS");
            System.exit(2);
        }
        List<String> strategies = Arrays.asList(args[0].split(","));
        int seconds;
        int warmup;
        int burstMs;
        int threads;
        double split;
        int endpoints;
        try {
            seconds = Integer.parseInt(args[1]);
            warmup = Integer.parseInt(args[2]);
            burstMs = Integer.parseInt(args[3]);
            threads = Integer.parseInt(args[4]);
            split = Double.parseDouble(args[5]);
            endpoints = Integer.parseInt(args[6]);
        } catch (NumberFormatException e) {
            System.err.println("SECONDS, WARMUP_SECONDS, BURST_MS, THREADS, SPLIT_NS and ENDPOINTS must be numbers: "
                    + e.getMessage());
            System.exit(2);
            return;
        }
        if (seconds < 1 || warmup < 0 || burstMs < 10 || threads < 1 || split <= 0 || endpoints < 1) {
            System.err.println("need SECONDS >= 1, WARMUP_SECONDS >= 0, BURST_MS >= 10, THREADS >= 1, SPLIT_NS > 0,"
                    + " ENDPOINTS >= 1");
            System.exit(2);
        }
        PickBursts bursts;
        try {
            bursts = new PickBursts(strategies, endpoints, threads);
        } catch (IllegalArgumentException e) {
            System.err.println("unknown strategy " + e.getMessage() + ": use PickBenchmark's labels (round-robin,"
                    + " least-conn, least-request, least-request-bias-2, random, consistent-hash, ip-hash-nginx)");
            System.exit(2);
            return;
        }
        bursts.run(seconds, warmup, burstMs, threads, split);
    }

    private void run(int seconds, int warmup, int burstMs, int threads, double split) throws InterruptedException {
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int slot = (t + 1) * STRIDE;
            Thread worker = new Thread(() -> work(slot), "burst-" + t);
            worker.setDaemon(true);
            worker.start();
            workers.add(worker);
        }
        System.out.printf("# %d thread(s), %d ms bursts, %d s warm-up, then %d s; ns per pick + complete per thread"
                + " (wall); a cycle is near when its floor is below %.0f ns%n", threads, burstMs, warmup, seconds,
                split);
        cycles(warmup, burstMs, threads, null);
        List<double[]> measured = new ArrayList<>();
        cycles(seconds, burstMs, threads, measured);
        stop = true;
        for (Thread worker : workers) {
            worker.join();
        }
        report(measured, split);
    }

    /** Runs whole cycles for about {@code seconds}; each measured one goes to {@code into} and is printed. */
    private void cycles(int seconds, int burstMs, int threads, List<double[]> into) throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            double[] cycle = new double[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                long before = total();
                long start = System.nanoTime();
                phase = i;
                Thread.sleep(burstMs);
                phase = -1;
                long elapsed = System.nanoTime() - start;
                Thread.sleep(2); // let the last batches of the burst be counted
                long done = total() - before;
                cycle[i] = done == 0 ? Double.NaN : elapsed * (double) threads / done;
            }
            if (into != null) {
                into.add(cycle);
                StringBuilder line = new StringBuilder("cycle");
                for (int i = 0; i < rows.size(); i++) {
                    line.append(String.format(" %s=%.1f", rows.get(i), cycle[i]));
                }
                System.out.println(line);
            }
        }
    }

    private long total() {
        long sum = 0;
        for (int slot = STRIDE; slot < picks.length(); slot += STRIDE) {
            sum += picks.getOpaque(slot);
        }
        return sum;
    }

    private void work(int slot) {
        PickBenchmark.CountCursor cursor = new PickBenchmark.CountCursor();
        cursor.setUp();
        PickBenchmark.Requests requests = new PickBenchmark.Requests();
        requests.setUp();
        PickBenchmark bench = new PickBenchmark();
        long sink = 0;
        while (!stop) {
            int p = phase;
            if (p < 0) {
                Thread.onSpinWait();
                continue;
            }
            if (p == 0) {
                for (int j = 0; j < BATCH; j++) {
                    sink += bench.anchorSharedCounts(floor, cursor).slot;
                }
            } else {
                PickBenchmark.Pool pool = pools[p];
                for (int j = 0; j < BATCH; j++) {
                    Lease lease = bench.pickAndComplete(pool, requests);
                    sink += lease.isCompleted() ? 1 : 0;
                }
            }
            if (phase == p) { // a batch that ran into the next burst is not counted in either
                picks.setOpaque(slot, picks.getOpaque(slot) + BATCH);
            }
        }
        if (sink == 42) {
            System.out.print(""); // keeps the results live
        }
    }

    private void report(List<double[]> measured, double split) {
        System.out.println();
        System.out.printf("%-22s %8s %8s %13s %13s %8s%n", "row (ns, median)", "near", "far", "near - floor",
                "far - floor", "all");
        List<double[]> near = new ArrayList<>();
        List<double[]> far = new ArrayList<>();
        for (double[] cycle : measured) {
            (cycle[0] < split ? near : far).add(cycle);
        }
        for (int i = 0; i < rows.size(); i++) {
            System.out.printf("%-22s %8s %8s %13s %13s %8s%n", rows.get(i), median(near, i, -1), median(far, i, -1),
                    i == 0 ? "" : median(near, i, 0), i == 0 ? "" : median(far, i, 0), median(measured, i, -1));
        }
        System.out.printf("%-22s %8d %8d %13s %13s %8d%n", "cycles", near.size(), far.size(), "", "", measured.size());
    }

    /** The median over cycles of row {@code row}, minus row {@code minus} of the same cycle when that is not -1. */
    static String median(List<double[]> cycles, int row, int minus) {
        double[] values = cycles.stream().mapToDouble(c -> minus < 0 ? c[row] : c[row] - c[minus])
                .filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (values.length == 0) {
            return "-";
        }
        int mid = values.length / 2;
        double median = values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
        return String.format("%.1f", median);
    }
}
