package dev.ballast.exporter.collector;

import java.time.Duration;

/** One thing a collector reads from, with its own schedule: every collector's target type implements this. */
public interface CollectionTarget {

    /** Short, stable name used in the {@code target} label and in health. */
    String name();

    /** How often to collect. */
    Duration interval();

    /** How long one collection may take before it counts as a timeout. */
    Duration timeout();
}
