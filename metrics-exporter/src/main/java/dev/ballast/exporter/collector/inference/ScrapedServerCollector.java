package dev.ballast.exporter.collector.inference;

import dev.ballast.exporter.collector.Collector;
import dev.ballast.exporter.collector.http.TargetHttpClient;
import dev.ballast.exporter.metrics.Sample;
import io.smallrye.mutiny.Uni;

import java.util.List;
import java.util.Map;

/**
 * Shared shape of the collectors that scrape an inference server's Prometheus endpoint and translate
 * it into {@link InferenceVocabulary}: fetch, parse, normalise. Each server kind is one subclass.
 */
abstract class ScrapedServerCollector implements Collector<ScrapedServerTarget> {

    private final TargetHttpClient http;
    private final List<ScrapedServerTarget> targets;

    ScrapedServerCollector(TargetHttpClient http, Map<String, InferenceConfig.ScrapedServer> servers) {
        this.http = http;
        this.targets = servers.entrySet().stream()
                .map(e -> new ScrapedServerTarget(e.getKey(), e.getValue().url(), e.getValue().model().orElse(e.getKey()),
                        e.getValue().interval(), e.getValue().timeout()))
                .toList();
    }

    @Override
    public List<ScrapedServerTarget> targets() {
        return targets;
    }

    @Override
    public Uni<List<Sample>> collect(ScrapedServerTarget target) {
        return http.get(target.metricsUrl(), Map.of("Accept", "text/plain"), target.timeout())
                .map(body -> normalise(PrometheusText.parse(body), target));
    }

    /** The scraped text in the shared vocabulary. */
    abstract List<Sample> normalise(PrometheusText text, ScrapedServerTarget target);
}
