package dev.ballast.exporter.metrics;

import dev.ballast.exporter.collector.TargetRuns;
import dev.ballast.exporter.config.ExporterConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Wires the exporter's series into {@code /q/metrics}: one {@link SampleExposition} over every
 * {@link SampleSource} bean, registered on the collector registry Micrometer's Prometheus registry
 * scrapes. Also produces the shared clock, label limiter and target-run registry.
 */
@ApplicationScoped
public class ExpositionSetup {

    /** Labels whose values the exporter itself chooses from a small fixed set: never folded. */
    static final Set<String> FIXED_VOCABULARY_LABELS = Set.of("collector", "reason", "system", "state", "gen_ai_token_type",
            "status", "metric", "label", "server_kind", "memory");

    static final MetricFamily FOLDED = MetricFamily.counter("ballast_exporter_label_values_folded_total",
            "Samples or events whose value for this label was folded into 'other' because the label reached its cap "
                    + "of distinct values (series that were not created).", "metric", "label");

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    @Produces
    @Singleton
    LabelLimiter labelLimiter(ExporterConfig config) {
        return new LabelLimiter(config.cardinality().defaultCap(), config.cardinality().labelCaps(), FIXED_VOCABULARY_LABELS);
    }

    @Produces
    @Singleton
    TargetRuns targetRuns(Clock clock) {
        return new TargetRuns(clock);
    }

    @Produces
    @Singleton
    FoldedLabels foldedLabels(LabelLimiter limiter) {
        return new FoldedLabels(limiter);
    }

    /** The dropped-series counter as a sample source. */
    public record FoldedLabels(LabelLimiter limiter) implements SampleSource {
        @Override
        public void forEachSample(Consumer<Sample> sink) {
            limiter.foldedCounts().forEach((key, count) -> sink.accept(FOLDED.sample(count, key.get(0), key.get(1))));
        }
    }

    void register(@Observes StartupEvent event, PrometheusMeterRegistry registry, Instance<SampleSource> sources) {
        List<SampleSource> all = new java.util.ArrayList<>();
        sources.forEach(all::add);
        List<SampleSource> fixed = List.copyOf(all);
        // the registry's own collector registry: the one /q/metrics scrapes (the CollectorRegistry bean is a different instance)
        registry.getPrometheusRegistry().register(new SampleExposition(() -> fixed));
    }
}
