package dev.ballast.exporter.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bounds label cardinality: each (metric, label) pair admits at most a configured number of distinct
 * values; later values are folded into {@code other} and counted, so a runaway label (model names from
 * clients, discovered queues) cannot grow memory or Prometheus' series without bound. Admitted values
 * are kept for the life of the process, like Micrometer's {@code maximumAllowableTags}, so a value
 * never flips between itself and {@code other}.
 */
public final class LabelLimiter {

    public static final String OTHER = "other";

    private final int defaultCap;
    private final Map<String, Integer> capsByLabel;
    private final Set<String> unbounded;
    private final ConcurrentHashMap<String, Set<String>> admitted = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<List<String>, LongAdder> folded = new ConcurrentHashMap<>();

    /**
     * @param defaultCap  distinct values per (metric, label) unless the label has its own cap
     * @param capsByLabel caps by label name
     * @param unbounded   labels with a fixed, small vocabulary set by the exporter itself (never folded)
     */
    public LabelLimiter(int defaultCap, Map<String, Integer> capsByLabel, Set<String> unbounded) {
        if (defaultCap < 1) {
            throw new IllegalArgumentException("The label cap must be at least 1, got " + defaultCap);
        }
        this.defaultCap = defaultCap;
        this.capsByLabel = Map.copyOf(capsByLabel);
        this.unbounded = Set.copyOf(unbounded);
    }

    /** The value to use for a label of a metric: itself while under the cap (or already admitted), else {@code other}. */
    public String admit(String metric, String label, String value) {
        if (unbounded.contains(label)) {
            return value;
        }
        Set<String> values = admitted.computeIfAbsent(metric + '\u0000' + label, k -> ConcurrentHashMap.newKeySet());
        if (values.contains(value)) {
            return value;
        }
        int cap = capsByLabel.getOrDefault(label, defaultCap);
        synchronized (values) {
            if (values.contains(value)) {
                return value;
            }
            if (values.size() < cap) {
                values.add(value);
                return value;
            }
        }
        folded.computeIfAbsent(List.of(metric, label), k -> new LongAdder()).increment();
        return OTHER;
    }

    /** All label values of a sample passed through {@link #admit}. */
    public List<String> admitAll(MetricFamily family, List<String> values) {
        List<String> out = null;
        for (int i = 0; i < values.size(); i++) {
            String admittedValue = admit(family.name(), family.labelNames().get(i), values.get(i));
            if (!admittedValue.equals(values.get(i)) && out == null) {
                out = new ArrayList<>(values);
            }
            if (out != null) {
                out.set(i, admittedValue);
            }
        }
        return out == null ? values : out;
    }

    public Sample admit(Sample sample) {
        List<String> values = admitAll(sample.family(), sample.labelValues());
        return values == sample.labelValues() ? sample : sample.withLabelValues(values);
    }

    /** Folded occurrences so far, by (metric, label). */
    public Map<List<String>, Long> foldedCounts() {
        Map<List<String>, Long> out = new java.util.HashMap<>();
        folded.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
