package dev.ballast.exporter.metrics;

import java.util.Arrays;

/**
 * A histogram's state at one instant: ascending upper bounds (without +Inf), cumulative counts per
 * bound, the total count (the +Inf bucket) and the sum.
 */
public record HistogramData(double[] upperBounds, long[] cumulativeCounts, long count, double sum) {

    public HistogramData {
        if (upperBounds.length != cumulativeCounts.length) {
            throw new IllegalArgumentException("Histogram has " + upperBounds.length + " bounds but " + cumulativeCounts.length + " counts");
        }
        upperBounds = upperBounds.clone();
        cumulativeCounts = cumulativeCounts.clone();
    }

    /** Bucket-wise sum, for series folded into one label set; both must share bounds. */
    public HistogramData plus(HistogramData other) {
        if (!Arrays.equals(upperBounds, other.upperBounds)) {
            throw new IllegalArgumentException("Cannot add histograms with different buckets");
        }
        long[] counts = new long[cumulativeCounts.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = cumulativeCounts[i] + other.cumulativeCounts[i];
        }
        return new HistogramData(upperBounds, counts, count + other.count, sum + other.sum);
    }
}
