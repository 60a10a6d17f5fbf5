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
 * <p>Why: on this two-vCPU VM the price of moving a cache line between the two vCPUs moves between levels every
 * 10-30 s (session 23: the floor row runs at about 20 ns, then about 65 ns, and back; session 24 separated a middle
 * level at about 50 from a far one at about 100), while one-thread work and work on unshared pools barely move. A JMH
 * iteration or fork averages over the levels in whatever mix the host gave it, which is most of the fork-to-fork
 * spread in the README. Here all threads run the floor for one burst, then each strategy for one burst, in a cycle;
 * each cycle is filed in a band by its floor figure (near, middle, far with the default bounds), and the medians are
 * reported per band, as they are and minus the floor of the same cycle. Wall time per pick per thread (time x
 * threads / picks), not CPU time.
 *
 * <p>bench/load-balancer-bursts.sh runs one strategy per JVM: with several pools of different strategies in one JVM
 * the pool's call to its strategy sees several classes and the JIT compiles it differently from the JMH benchmark,
 * where a fork runs one strategy (session 23: round robin 200-250 ns next to three other strategies, 130-160 alone).
 *
 * <p>Arguments: strategies (comma-separated, {@link PickBenchmark.Pool#strategy} labels), seconds of measurement,
 * seconds of warm-up (run the same way, not reported), burst milliseconds, threads, the floor figures in ns that
 * bound the bands (comma-separated, rising: "40,80" gives near below 40, middle from 40 to 80, far from 80), and
 * endpoints. bench/load-balancer-bursts.sh passes them.
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
            System.err.println(
                    "usage: PickBursts STRATEGIES SECONDS WARMUP_SECONDS BURST_MS THREADS BANDS_NS ENDPOINTS");
            System.exit(2);
        }
        List<String> strategies = Arrays.asList(args[0].split(","));
        int seconds;
        int warmup;
        int burstMs;
        int threads;
        double[] bounds;
        int endpoints;
        try {
            seconds = Integer.parseInt(args[1]);
            warmup = Integer.parseInt(args[2]);
            burstMs = Integer.parseInt(args[3]);
            threads = Integer.parseInt(args[4]);
            bounds = bounds(args[5]);
            endpoints = Integer.parseInt(args[6]);
        } catch (NumberFormatException e) {
            System.err.println("SECONDS, WARMUP_SECONDS, BURST_MS, THREADS, BANDS_NS and ENDPOINTS must be numbers: "
                    + e.getMessage());
            System.exit(2);
            return;
        }
        if (seconds < 1 || warmup < 0 || burstMs < 10 || threads < 1 || bounds == null || endpoints < 1) {
            System.err.println("need SECONDS >= 1, WARMUP_SECONDS >= 0, BURST_MS >= 10, THREADS >= 1, BANDS_NS above 0"
                    + " and rising, ENDPOINTS >= 1");
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
        bursts.run(seconds, warmup, burstMs, threads, bounds);
    }

    private void run(int seconds, int warmup, int burstMs, int threads, double[] bounds) throws InterruptedException {
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int slot = (t + 1) * STRIDE;
            Thread worker = new Thread(() -> work(slot), "burst-" + t);
            worker.setDaemon(true);
            worker.start();
            workers.add(worker);
        }
        System.out.printf("# %d thread(s), %d ms bursts, %d s warm-up, then %d s; ns per pick + complete per thread"
                + " (wall); each cycle is filed in a band by its floor figure (bounds %s ns)%n", threads, burstMs,
                warmup, seconds, Arrays.toString(bounds));
        cycles(warmup, burstMs, threads, null);
        List<double[]> measured = new ArrayList<>();
        cycles(seconds, burstMs, threads, measured);
        stop = true;
        for (Thread worker : workers) {
            worker.join();
        }
        report(measured, bounds);
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

    private void report(List<double[]> measured, double[] bounds) {
        System.out.println();
        StringBuilder head = new StringBuilder(String.format("%-22s %7s %8s", "band (floor ns)", "cycles", "floor"));
        for (int i = 1; i < rows.size(); i++) {
            head.append(String.format(" %" + width(i) + "s %9s", rows.get(i), "- floor"));
        }
        System.out.println(head);
        List<List<double[]>> bands = new ArrayList<>();
        for (int band = 0; band <= bounds.length; band++) {
            bands.add(new ArrayList<>());
        }
        for (double[] cycle : measured) {
            if (!Double.isNaN(cycle[0])) { // NaN: no floor batch finished in that burst
                bands.get(band(cycle[0], bounds)).add(cycle);
            }
        }
        for (int band = 0; band <= bounds.length; band++) {
            reportLine(bandLabel(band, bounds), bands.get(band), true);
        }
        reportLine("all", measured, false);
    }

    private void reportLine(String label, List<double[]> cycles, boolean minusFloor) {
        StringBuilder line = new StringBuilder(String.format("%-22s %7d %8s", label, cycles.size(),
                median(cycles, 0, -1)));
        for (int i = 1; i < rows.size(); i++) {
            line.append(String.format(" %" + width(i) + "s %9s", median(cycles, i, -1),
                    minusFloor ? median(cycles, i, 0) : ""));
        }
        System.out.println(line);
    }

    private int width(int row) {
        return Math.max(8, rows.get(row).length());
    }

    /** The band a cycle falls in: the number of bounds at or below its floor figure. */
    static int band(double floor, double[] bounds) {
        int band = 0;
        while (band < bounds.length && floor >= bounds[band]) {
            band++;
        }
        return band;
    }

    static String bandLabel(int band, double[] bounds) {
        String name = bounds.length == 1 ? (band == 0 ? "near" : "far")
                : bounds.length == 2 ? new String[] {"near", "middle", "far"}[band] : "band " + (band + 1);
        if (band == 0) {
            return String.format("%s (< %.0f)", name, bounds[0]);
        }
        if (band == bounds.length) {
            return String.format("%s (>= %.0f)", name, bounds[band - 1]);
        }
        return String.format("%s (%.0f-%.0f)", name, bounds[band - 1], bounds[band]);
    }

    /** Comma-separated rising floor figures in ns, each above 0; null when they are not. */
    static double[] bounds(String text) {
        String[] parts = text.split(",");
        double[] bounds = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            bounds[i] = Double.parseDouble(parts[i].trim());
            if (!(bounds[i] > 0) || i > 0 && bounds[i] <= bounds[i - 1]) {
                return null;
            }
        }
        return bounds;
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
