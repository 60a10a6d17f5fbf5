package dev.ballast.exporter.collector.inference;

import dev.ballast.exporter.collector.CollectionTarget;

import java.time.Duration;

/** An inference server whose Prometheus endpoint is scraped; {@code model} names the model when the server does not (TGI). */
public record ScrapedServerTarget(String name, String metricsUrl, String model, Duration interval, Duration timeout)
        implements CollectionTarget {
}
