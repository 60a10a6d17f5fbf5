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
 * <p>Why: on this two-vCPU VM the price of moving a cache line between the two vCPUs moves between two levels every
 * 10-30 s, while one-thread work and work on unshared pools barely move. A JMH iteration or fork averages over the
 * levels in whatever mix the host gave it, which is most of the fork-to-fork spread in the README. Here all threads
 * run the floor for one burst, then (on two threads) the bounce row below, then the strategy, in a cycle; each cycle
 * is filed in a band by the figure of one row (the bounce on two threads, else the floor), and the medians are
 * reported per band, as they are and minus the floor of the same cycle. Wall time per pick per thread (time x
 * threads / picks), not CPU time. The floor's figure also moves from one JVM to the next at the same level (session
 * 25), so it files cycles less cleanly than the bounce; sessions 23-24 used it.
 *
 * <p>bench/load-balancer-bursts.sh runs one strategy per JVM: with several pools of different strategies in one JVM
 * the pool's call to its strategy sees several classes and the JIT compiles it differently from the JMH benchmark,
 * where a fork runs one strategy (session 23: round robin 200-250 ns next to three other strategies, 130-160 alone).
 *
 * <p>With two threads a third row, {@code bounce}, runs in each cycle between the floor and the strategy: the two
 * threads hand one cache line back and forth, each taking its turn with a compare-and-set ({@link #bounce}), which is
 * the host's price for a line to move from one vCPU to the other under contention with nothing else done. Its figure
 * is ns per one-way hand-off (wall time / hand-offs), the quantity published core-to-core latency tables give, so a
 * band's floor and strategy figures can be read against it. It has two levels on this host, 20-40 ns and 90-170 ns
 * (once 220-240), with nothing between (session 25), so it tells the host's two levels apart better than the floor
 * does.
 *
 * <p>Arguments: strategies (comma-separated, {@link PickBenchmark.Pool#strategy} labels), seconds of measurement,
 * seconds of warm-up (run the same way, not reported), burst milliseconds, threads, the row that files the cycles
 * ({@code bounce}, which needs two threads, or {@code floor}), that row's figures in ns that bound the bands
 * (comma-separated, rising: "60" gives near below 60 and far from 60; "40,80" gives near below 40, middle from 40
 * to 80, far from 80), and endpoints. bench/load-balancer-bursts.sh passes them.
 */
public final class PickBursts {

    /** Picks (or bounce hand-offs) per batch; a worker looks at the phase between batches. */
    static final int BATCH = 1000;
    /** One counter per thread, 16 longs apart, so the counters share no line with each other. */
    static final int STRIDE = 16;

    private final List<String> rows;
    private final PickBenchmark.Pool[] pools;
    private final PickBenchmark.SharedCounts floor = new PickBenchmark.SharedCounts();
    /** The row of {@code bounce}, or -1 when it is not run (it needs exactly two threads). */
    private final int bounceRow;
    /** The line the bounce row hands over (its slot STRIDE): at an even value it is thread 0's turn, at odd 1's. */
    private final AtomicLongArray token = new AtomicLongArray(3 * STRIDE);
    /** Picks per thread, written by its worker only; opaque access, so the controller sees each batch once done. */
    private final AtomicLongArray picks;
    private volatile int phase = -1;
    private volatile boolean stop;

    private PickBursts(List<String> strategies, int endpoints, int threads) {
        rows = new ArrayList<>();
        rows.add("floor");
        if (threads == 2) {
            bounceRow = rows.size();
            rows.add("bounce");
        } else {
            bounceRow = -1;
        }
        int first = rows.size();
        rows.addAll(strategies);
        pools = new PickBenchmark.Pool[rows.size()];
        for (int i = first; i < rows.size(); i++) {
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
        if (args.length != 8) {
            System.err.println("usage: PickBursts STRATEGIES SECONDS WARMUP_SECONDS BURST_MS THREADS BAND_BY BANDS_NS"
                    + " ENDPOINTS");
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
            bounds = bounds(args[6]);
            endpoints = Integer.parseInt(args[7]);
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
        String bandBy = args[5];
        if (!bandBy.equals("floor") && !bandBy.equals("bounce")) {
            System.err.println("BAND_BY must be floor or bounce, got '" + bandBy + "'");
            System.exit(2);
        }
        if (bandBy.equals("bounce") && threads != 2) {
            System.err.println("BAND_BY=bounce needs THREADS=2 (the bounce row hands a line between two threads);"
                    + " with " + threads + " thread(s) use BAND_BY=floor");
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
        bursts.run(seconds, warmup, burstMs, threads, bandBy, bounds);
    }

    private void run(int seconds, int warmup, int burstMs, int threads, String bandBy, double[] bounds)
            throws InterruptedException {
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int slot = (t + 1) * STRIDE;
            Thread worker = new Thread(() -> work(slot), "burst-" + t);
            worker.setDaemon(true);
            worker.start();
            workers.add(worker);
        }
        System.out.printf("# %d thread(s), %d ms bursts, %d s warm-up, then %d s; ns per pick + complete per thread"
                + " (wall); each cycle is filed in a band by its %s figure (bounds %s ns)%n", threads, burstMs,
                warmup, seconds, bandBy, Arrays.toString(bounds));
        System.out.println(bounceRow < 0 ? "# no bounce row: it needs exactly 2 threads"
                : "# bounce: ns per one-way hand-off of one cache line between the two threads");
        cycles(warmup, burstMs, threads, null);
        List<double[]> measured = new ArrayList<>();
        cycles(seconds, burstMs, threads, measured);
        stop = true;
        for (Thread worker : workers) {
            worker.join();
        }
        report(measured, bandBy.equals("bounce") ? bounceRow : 0, bounds);
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
                // a pick is counted by the thread that made it; a hand-off too, but it takes both threads' time
                cycle[i] = done == 0 ? Double.NaN : elapsed * (double) (i == bounceRow ? 1 : threads) / done;
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
        long[] turn = {slot / STRIDE - 1}; // the token's value at which this thread's next bounce turn starts
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
            } else if (p == bounceRow) {
                sink += bounce(turn, p);
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

    /**
     * {@link #BATCH} hand-offs of the token by one thread: it waits for the value its turn starts at, {@code turn[0]},
     * and moves the token on by one, both in one compare-and-set. Each try, failed or not, takes the line for this
     * core, as two loops raising one count do, so the figure is a hand-off under contention (a read, then a write
     * would take the line twice, shared and then owned). Stops early, leaving the batch uncounted, once the burst is
     * over; {@code turn[0]} still holds the value it waits for.
     */
    private long bounce(long[] turn, int p) {
        for (int j = 0; j < BATCH; j++) {
            long mine = turn[0];
            while (!token.compareAndSet(STRIDE, mine, mine + 1)) {
                if (phase != p) {
                    return j;
                }
            }
            turn[0] = mine + 2;
        }
        return BATCH;
    }

    /** Medians per band, the cycles filed by the figure of row {@code by}. */
    private void report(List<double[]> measured, int by, double[] bounds) {
        System.out.println();
        StringBuilder head = new StringBuilder(String.format("%-22s %7s %8s", "band (" + rows.get(by) + " ns)",
                "cycles", "floor"));
        for (int i = 1; i < rows.size(); i++) {
            head.append(String.format(" %" + width(i) + "s %9s", rows.get(i), "- floor"));
        }
        System.out.println(head);
        List<List<double[]>> bands = new ArrayList<>();
        for (int band = 0; band <= bounds.length; band++) {
            bands.add(new ArrayList<>());
        }
        for (double[] cycle : measured) {
            if (!Double.isNaN(cycle[by])) { // NaN: no batch of that row finished in that burst
                bands.get(band(cycle[by], bounds)).add(cycle);
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

    /** The band a cycle falls in: the number of bounds at or below its figure. */
    static int band(double figure, double[] bounds) {
        int band = 0;
        while (band < bounds.length && figure >= bounds[band]) {
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

    /** Comma-separated rising figures in ns, each above 0; null when they are not. */
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
