package dev.ballast.exporter.metrics;

import java.util.function.Consumer;

/**
 * Anything that contributes series to {@code /q/metrics} at scrape time: collectors' last successful
 * results, the event aggregator, the exporter's self metrics. Implementations hand out what they hold
 * now, without I/O, so a scrape is never slowed by a slow target.
 */
public interface SampleSource {

    void forEachSample(Consumer<Sample> sink);
}
