package dev.ballast.exporter.collector.vector;

import dev.ballast.exporter.metrics.MetricFamily;

/** Metrics shared by the vector-database collectors. */
final class VectorVocabulary {

    static final MetricFamily COLLECTIONS = MetricFamily.gauge("ballast_vector_collections",
            "Collections in the vector database.", "vector_db");
    static final MetricFamily POINTS = MetricFamily.gauge("ballast_vector_collection_points",
            "Points (records) in a collection: the collection size (Qdrant points_count is approximate).", "vector_db", "collection");
    static final MetricFamily INDEXED = MetricFamily.gauge("ballast_vector_collection_indexed_vectors",
            "Vectors already in the collection's vector index (Qdrant indexed_vectors_count, approximate).", "vector_db", "collection");
    static final MetricFamily SEGMENTS = MetricFamily.gauge("ballast_vector_collection_segments",
            "Segments of the collection (Qdrant segments_count).", "vector_db", "collection");
    static final MetricFamily STATUS = MetricFamily.gauge("ballast_vector_collection_status",
            "1 for the collection's current Qdrant status (green, yellow, grey, red), 0 for the others.", "vector_db", "collection", "status");
    static final MetricFamily INDEX_MEMORY = MetricFamily.gauge("ballast_vector_collection_index_memory_bytes",
            "Memory the collection's vector indexes (dense and sparse) occupy, from Qdrant's collection memory report: "
                    + "memory=heap is non-evictable heap (ram_bytes), memory=page_cache is index file pages resident in the OS page cache "
                    + "(cached_bytes). Qdrant's own estimate, typically 10-15% low.", "vector_db", "collection", "memory");
    static final MetricFamily PROBE = MetricFamily.gauge("ballast_vector_probe_search_duration_seconds",
            "Latency of the exporter's last probe search in the collection.", "vector_db", "collection");

    private VectorVocabulary() {
    }
}
