package dev.ballast.exporter.metrics;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A metric name with its type, help and label names, as exposed. Counter names end in {@code _total}
 * (Prometheus naming); the name is checked here so a typo fails at class load, not in promtool.
 */
public record MetricFamily(String name, MetricType type, String help, List<String> labelNames) {

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    public MetricFamily {
        Objects.requireNonNull(type, "type");
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Invalid metric name '" + name + "': use snake_case letters, digits and '_' (no colons)");
        }
        if (type == MetricType.COUNTER != name.endsWith("_total")) {
            throw new IllegalArgumentException("Metric '" + name + "': counters, and only counters, end in _total");
        }
        if (help == null || help.isBlank()) {
            throw new IllegalArgumentException("Metric '" + name + "' needs a help text");
        }
        labelNames = List.copyOf(labelNames);
        for (String label : labelNames) {
            if (!NAME.matcher(label).matches() || label.startsWith("__") || label.equals("le")) {
                throw new IllegalArgumentException("Metric '" + name + "' has an invalid label name '" + label + "'");
            }
        }
    }

    public static MetricFamily gauge(String name, String help, String... labels) {
        return new MetricFamily(name, MetricType.GAUGE, help, List.of(labels));
    }

    public static MetricFamily counter(String name, String help, String... labels) {
        return new MetricFamily(name, MetricType.COUNTER, help, List.of(labels));
    }

    public static MetricFamily histogram(String name, String help, String... labels) {
        return new MetricFamily(name, MetricType.HISTOGRAM, help, List.of(labels));
    }

    /** A gauge or counter sample of this family. */
    public Sample sample(double value, String... labelValues) {
        return new Sample(this, List.of(labelValues), value, null);
    }

    /** A histogram sample of this family. */
    public Sample histogram(HistogramData data, String... labelValues) {
        return new Sample(this, List.of(labelValues), data.count(), data);
    }
}
