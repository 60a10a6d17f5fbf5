package dev.ballast.exporter.metrics;

import java.util.List;

/**
 * One series of a family: label values (in the family's label order) and a value, or histogram data
 * for histograms. Immutable, so a collection's samples can be swapped in atomically and read by any
 * number of concurrent scrapes.
 */
public record Sample(MetricFamily family, List<String> labelValues, double value, HistogramData histogram) {

    public Sample {
        labelValues = List.copyOf(labelValues);
        if (labelValues.size() != family.labelNames().size()) {
            throw new IllegalArgumentException("Metric '" + family.name() + "' takes labels " + family.labelNames()
                    + " but got values " + labelValues);
        }
        if ((family.type() == MetricType.HISTOGRAM) != (histogram != null)) {
            throw new IllegalArgumentException("Metric '" + family.name() + "': histogram data goes with histograms only");
        }
    }

    /** The same sample with other label values (used when folding into {@code other}). */
    public Sample withLabelValues(List<String> values) {
        return new Sample(family, values, value, histogram);
    }
}
