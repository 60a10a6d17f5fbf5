package dev.ballast.exporter.collector.vector;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ballast.exporter.collector.CollectionException;

/**
 * The vector-index part of Qdrant's collection memory report ({@code GET /collections/{name}/memory},
 * Qdrant 1.18+; struct {@code CollectionMemoryReport} in qdrant/qdrant {@code lib/collection/src/common/memory_reporter.rs}).
 * Sums {@code index} over every dense ({@code vectors[]}) and sparse ({@code sparse_vectors[]}) vector; vector storage,
 * quantized vectors, payload, payload indexes and the id tracker are other components and are left out.
 *
 * @param heapBytes      Qdrant {@code ram_bytes}: heap RAM not backed by files, which the OS cannot evict
 * @param pageCacheBytes Qdrant {@code cached_bytes}: index file pages resident in the OS page cache now (evictable;
 *                       measured with mincore, always 0 on non-Unix hosts)
 */
record QdrantIndexMemory(double heapBytes, double pageCacheBytes) {

    /** @param result the {@code result} object of the memory report */
    static QdrantIndexMemory of(JsonNode result) {
        JsonNode dense = result.path("vectors");
        if (!dense.isArray()) {
            throw new CollectionException(CollectionException.Reason.PARSE,
                    "Qdrant memory report without a 'vectors' array (the endpoint needs Qdrant 1.18 or later)");
        }
        // sparse_vectors is always serialized by Qdrant, but an empty collection of them changes nothing either way
        JsonNode sparse = result.path("sparse_vectors");
        double heap = 0;
        double pageCache = 0;
        for (JsonNode list : new JsonNode[] {dense, sparse}) {
            for (JsonNode vector : list) {
                JsonNode index = vector.path("index");
                heap += bytes(vector, index, "ram_bytes");
                pageCache += bytes(vector, index, "cached_bytes");
            }
        }
        return new QdrantIndexMemory(heap, pageCache);
    }

    // A missing number is a shape we do not know, not zero bytes: fail rather than under-report.
    private static double bytes(JsonNode vector, JsonNode index, String field) {
        JsonNode value = index.path(field);
        if (!value.isNumber() || value.asDouble() < 0) {
            throw new CollectionException(CollectionException.Reason.PARSE,
                    "Qdrant memory report: vector '" + vector.path("name").asText() + "' has no index." + field + " byte count");
        }
        return value.asDouble();
    }
}
