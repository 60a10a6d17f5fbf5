package dev.ballast.exporter.metrics;

/** The Prometheus metric types the exporter writes. */
public enum MetricType {
    GAUGE, COUNTER, HISTOGRAM
}
