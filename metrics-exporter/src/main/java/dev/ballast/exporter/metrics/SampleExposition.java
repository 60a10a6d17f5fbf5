package dev.ballast.exporter.metrics;

import io.prometheus.client.Collector;

import java.util.ArrayList;
import java.util.Collections;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Turns the samples held by every {@link SampleSource} into Prometheus metric families, fresh on each
 * scrape (the Prometheus "writing exporters" advice: build families in {@code collect()}, never mutate
 * long-lived meters from a timer), so series of vanished queues, models or targets simply stop
 * appearing. Registered on the Micrometer Prometheus registry, so it shares {@code /q/metrics} with
 * the JVM and HTTP metrics. Two samples with the same labels (values folded into {@code other}) are
 * summed, so the exposition never holds duplicate series.
 */
public final class SampleExposition extends Collector implements Collector.Describable {

    private final Supplier<? extends Iterable<? extends SampleSource>> sources;

    public SampleExposition(Supplier<? extends Iterable<? extends SampleSource>> sources) {
        this.sources = sources;
    }

    @Override
    public List<MetricFamilySamples> describe() {
        // names are dynamic; an empty description skips the registry's name-clash check at registration
        return Collections.emptyList();
    }

    @Override
    public List<MetricFamilySamples> collect() {
        Map<String, FamilyAccumulator> families = new TreeMap<>();
        for (SampleSource source : sources.get()) {
            source.forEachSample(sample -> families
                    .computeIfAbsent(sample.family().name(), n -> new FamilyAccumulator(sample.family()))
                    .add(sample));
        }
        List<MetricFamilySamples> out = new ArrayList<>(families.size());
        for (FamilyAccumulator family : families.values()) {
            out.add(family.toFamilySamples());
        }
        return out;
    }

    /** The samples of one family, merged by label values. */
    static final class FamilyAccumulator {
        private final MetricFamily family;
        private final Map<List<String>, Sample> series = new LinkedHashMap<>();

        FamilyAccumulator(MetricFamily family) {
            this.family = family;
        }

        void add(Sample sample) {
            if (!sample.family().equals(family)) {
                return; // a conflicting definition of the same name would make the exposition invalid
            }
            series.merge(sample.labelValues(), sample, FamilyAccumulator::sum);
        }

        private static Sample sum(Sample a, Sample b) {
            if (a.histogram() != null) {
                if (!java.util.Arrays.equals(a.histogram().upperBounds(), b.histogram().upperBounds())) {
                    return a; // different buckets cannot be added; keep the first rather than break the scrape
                }
                HistogramData merged = a.histogram().plus(b.histogram());
                return new Sample(a.family(), a.labelValues(), merged.count(), merged);
            }
            return new Sample(a.family(), a.labelValues(), a.value() + b.value(), null);
        }

        MetricFamilySamples toFamilySamples() {
            final String name = family.name();
            String familyName = name;
            List<MetricFamilySamples.Sample> samples = new ArrayList<>(series.size());
            switch (family.type()) {
                case GAUGE -> series.values().forEach(s -> samples.add(
                        new MetricFamilySamples.Sample(name, family.labelNames(), s.labelValues(), s.value())));
                case COUNTER -> {
                    series.values().forEach(s -> samples.add(
                            new MetricFamilySamples.Sample(name, family.labelNames(), s.labelValues(), s.value())));
                    familyName = name.substring(0, name.length() - "_total".length());
                }
                case HISTOGRAM -> {
                    List<String> bucketLabels = new ArrayList<>(family.labelNames());
                    bucketLabels.add("le");
                    for (Sample s : series.values()) {
                        HistogramData h = s.histogram();
                        for (int i = 0; i < h.upperBounds().length; i++) {
                            samples.add(new MetricFamilySamples.Sample(name + "_bucket", bucketLabels,
                                    withLe(s.labelValues(), Collector.doubleToGoString(h.upperBounds()[i])), h.cumulativeCounts()[i]));
                        }
                        samples.add(new MetricFamilySamples.Sample(name + "_bucket", bucketLabels, withLe(s.labelValues(), "+Inf"), h.count()));
                        samples.add(new MetricFamilySamples.Sample(name + "_count", family.labelNames(), s.labelValues(), h.count()));
                        samples.add(new MetricFamilySamples.Sample(name + "_sum", family.labelNames(), s.labelValues(), h.sum()));
                    }
                }
            }
            return new MetricFamilySamples(familyName, typeOf(family.type()), family.help(), samples);
        }

        private static List<String> withLe(List<String> values, String le) {
            List<String> out = new ArrayList<>(values.size() + 1);
            out.addAll(values);
            out.add(le);
            return out;
        }

        private static Type typeOf(MetricType type) {
            return switch (type) {
                case GAUGE -> Type.GAUGE;
                case COUNTER -> Type.COUNTER;
                case HISTOGRAM -> Type.HISTOGRAM;
            };
        }
    }

}
