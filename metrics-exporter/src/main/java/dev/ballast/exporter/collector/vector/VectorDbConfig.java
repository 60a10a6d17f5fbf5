package dev.ballast.exporter.collector.vector;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Vector databases to collect from, by kind and name, e.g. {@code ballast.exporter.qdrant.main.url=http://qdrant:6333}. */
@ConfigMapping(prefix = "ballast.exporter")
public interface VectorDbConfig {

    Map<String, Qdrant> qdrant();

    Map<String, Chroma> chroma();

    interface Qdrant {
        /** Base URL, e.g. {@code http://localhost:6333}. */
        String url();

        /** Sent as the {@code api-key} header. */
        Optional<String> apiKey();

        /** Collections to read; empty reads every collection {@code GET /collections} lists (up to max-collections). */
        Optional<List<String>> collections();

        @WithDefault("100")
        int maxCollections();

        /** Run one search with a zero vector per collection each interval and export its latency. Off by default. */
        @WithDefault("false")
        boolean probeSearch();

        /**
         * Read {@code GET /collections/{name}/memory} (Qdrant 1.18+) per collection each interval and export the vector
         * indexes' memory. Off by default: older Qdrant answers 404 (the target then shows down), and every call makes
         * Qdrant probe each segment file's page-cache residency.
         */
        @WithDefault("false")
        boolean memoryReport();

        @WithDefault("30s")
        Duration interval();

        @WithDefault("5s")
        Duration timeout();
    }

    interface Chroma {
        /** Base URL, e.g. {@code http://localhost:8000}. */
        String url();

        @WithDefault("default_tenant")
        String tenant();

        @WithDefault("default_database")
        String database();

        /** Sent as the {@code x-chroma-token} header. */
        Optional<String> token();

        @WithDefault("100")
        int maxCollections();

        @WithDefault("30s")
        Duration interval();

        @WithDefault("5s")
        Duration timeout();
    }
}
