package dev.ballast.exporter.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Map;

/** Settings shared by every collector: staleness and label cardinality. Collector settings sit next to each collector. */
@ConfigMapping(prefix = "ballast.exporter")
public interface ExporterConfig {

    /** A target's series are removed after this many intervals without a successful collection. */
    @WithDefault("3")
    int staleAfterIntervals();

    Cardinality cardinality();

    interface Cardinality {
        /** Distinct values admitted per (metric, label) before further values fold into {@code other}. */
        @WithDefault("100")
        int defaultCap();

        /** Caps for particular label names, e.g. {@code queue=50}. */
        Map<String, Integer> labelCaps();
    }
}
