package dev.ballast.simulator.metrics;

import java.util.Arrays;

/** A cumulative Prometheus histogram over fixed upper bounds, rendered in text format 0.0.4. Thread-safe. */
final class Histogram {

    private final double[] bounds;
    private final long[] counts;
    private long count;
    private double sum;

    Histogram(double... bounds) {
        this.bounds = bounds.clone();
        this.counts = new long[bounds.length];
    }

    synchronized void observe(double value) {
        for (int i = 0; i < bounds.length; i++) {
            if (value <= bounds[i]) {
                counts[i]++;
            }
        }
        count++;
        sum += value;
    }

    synchronized long count() {
        return count;
    }

    /** Appends the {@code _bucket}, {@code _count} and {@code _sum} samples (HELP/TYPE are the caller's). */
    synchronized void render(StringBuilder out, String name, String labels) {
        for (int i = 0; i < bounds.length; i++) {
            sample(out, name + "_bucket", labels + ",le=\"" + bounds[i] + "\"", counts[i]);
        }
        sample(out, name + "_bucket", labels + ",le=\"+Inf\"", count);
        sample(out, name + "_count", labels, count);
        out.append(name).append("_sum{").append(labels).append("} ").append(sum).append('\n');
    }

    static void sample(StringBuilder out, String name, String labels, long value) {
        out.append(name).append('{').append(labels).append("} ").append(value).append('\n');
    }

    @Override
    public synchronized String toString() {
        return "Histogram" + Arrays.toString(counts);
    }
}
