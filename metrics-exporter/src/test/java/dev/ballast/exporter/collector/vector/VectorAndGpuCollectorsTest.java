package dev.ballast.exporter.collector.vector;

import dev.ballast.exporter.testing.MetricsText;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Qdrant and Chroma collectors against recorded answers; the GPU collector against a recorded nvidia-smi CSV. */
@QuarkusTest
@QuarkusTestResource(value = RecordedBackendsResource.class, restrictToAnnotatedClass = true)
class VectorAndGpuCollectorsTest {

    static MetricsText metrics;

    @BeforeEach
    void waitForEachSourceOnce() {
        if (metrics == null) {
            metrics = await().atMost(Duration.ofSeconds(20)).until(MetricsText::scrape, m ->
                    m.value("ballast_vector_probe_search_duration_seconds", "vector_db", "main").isPresent()
                            && m.value("ballast_vector_collection_points", "vector_db", "rag", "collection", "tickets").isPresent()
                            && m.value("ballast_gpu_memory_used_bytes", "gpu", "1").isPresent()
                            && m.value("ballast_vector_collection_points", "vector_db", "plain", "collection", "docs").isPresent()
                            && m.value("ballast_exporter_collector_errors_total", "target", "v117", "reason", "http_status").isPresent());
        }
    }

    static double value(String name, String... labels) {
        return metrics.value(name, labels).orElseThrow(() -> new AssertionError("no series " + name + " " + String.join(",", labels)));
    }

    @Test
    void qdrantCollectionsShowPointsIndexedVectorsSegmentsAndStatus() {
        assertThat(value("ballast_vector_collections", "vector_db", "main")).isEqualTo(2);
        assertThat(value("ballast_vector_collection_points", "vector_db", "main", "collection", "docs")).isEqualTo(120500);
        assertThat(value("ballast_vector_collection_indexed_vectors", "vector_db", "main", "collection", "docs")).isEqualTo(120000);
        assertThat(value("ballast_vector_collection_segments", "vector_db", "main", "collection", "faq")).isEqualTo(2);
        assertThat(value("ballast_vector_collection_status", "vector_db", "main", "collection", "docs", "status", "green")).isEqualTo(1);
        assertThat(value("ballast_vector_collection_status", "vector_db", "main", "collection", "faq", "status", "yellow")).isEqualTo(1);
        assertThat(value("ballast_vector_collection_status", "vector_db", "main", "collection", "faq", "status", "green")).isZero();
    }

    @Test
    void qdrantNullCountsAreLeftOutNotExportedAsZero() {
        assertThat(metrics.value("ballast_vector_collection_indexed_vectors", "collection", "faq")).isEmpty();
    }

    @Test
    void qdrantProbeSearchRunsOnlyWhereTheVectorSizeIsKnown() {
        assertThat(value("ballast_vector_probe_search_duration_seconds", "collection", "docs")).isGreaterThan(0);
        assertThat(metrics.value("ballast_vector_probe_search_duration_seconds", "collection", "faq")).as("named vectors").isEmpty();
    }

    @Test
    void qdrantMemoryReportGivesEachCollectionsVectorIndexHeapAndPageCacheBytes() {
        assertThat(value("ballast_vector_collection_index_memory_bytes", "vector_db", "main", "collection", "docs", "memory", "heap"))
                .as("index.ram_bytes").isEqualTo(2359296);
        assertThat(value("ballast_vector_collection_index_memory_bytes", "vector_db", "main", "collection", "docs", "memory", "page_cache"))
                .as("index.cached_bytes").isEqualTo(16474112);
    }

    @Test
    void qdrantCollectionWithoutABuiltIndexReportsZeroIndexMemory() {
        assertThat(value("ballast_vector_collection_index_memory_bytes", "vector_db", "main", "collection", "faq", "memory", "heap")).isZero();
        assertThat(value("ballast_vector_collection_index_memory_bytes", "vector_db", "main", "collection", "faq", "memory", "page_cache")).isZero();
    }

    @Test
    void qdrantMemoryReportIsOffByDefault() {
        assertThat(metrics.value("ballast_vector_collection_index_memory_bytes", "vector_db", "plain")).isEmpty();
        assertThat(value("ballast_exporter_collector_up", "collector", "qdrant", "target", "plain")).isEqualTo(1);
    }

    @Test
    void qdrantWithoutTheMemoryRouteShowsTheTargetDownInsteadOfZeroMemory() {
        assertThat(value("ballast_exporter_collector_up", "collector", "qdrant", "target", "v117")).isZero();
        assertThat(value("ballast_exporter_collector_errors_total", "collector", "qdrant", "target", "v117", "reason", "http_status"))
                .isPositive();
        assertThat(metrics.value("ballast_vector_collection_index_memory_bytes", "vector_db", "v117")).isEmpty();
    }

    @Test
    void chromaShowsItsCollectionCountAndRecordsPerCollection() {
        assertThat(value("ballast_vector_collections", "vector_db", "rag")).isEqualTo(2);
        assertThat(value("ballast_vector_collection_points", "vector_db", "rag", "collection", "manuals")).isEqualTo(1200);
        assertThat(value("ballast_vector_collection_points", "vector_db", "rag", "collection", "tickets")).isEqualTo(35);
        assertThat(value("ballast_exporter_collector_up", "collector", "chroma", "target", "rag")).isEqualTo(1);
    }

    @Test
    void nvidiaSmiCsvBecomesBaseUnits() {
        assertThat(value("ballast_gpu_utilization_ratio", "gpu", "0")).isEqualTo(0.87);
        assertThat(value("ballast_gpu_memory_used_bytes", "gpu", "0")).isEqualTo(61440.0 * 1024 * 1024);
        assertThat(value("ballast_gpu_memory_total_bytes", "gpu", "1", "gpu_model", "NVIDIA A100-SXM4-80GB")).isEqualTo(81920.0 * 1024 * 1024);
        assertThat(value("ballast_gpu_temperature_celsius", "gpu", "1")).isEqualTo(31);
        assertThat(value("ballast_gpu_power_draw_watts", "gpu", "0", "uuid", "GPU-5e0f3b8a-2c4d-4f1e-9a7b-6d2c1e0f9a11")).isEqualTo(312.45);
    }

    @Test
    void promtoolFindsNothingToReportInTheseSeries() throws Exception {
        assertThat(dev.ballast.exporter.testing.Promtool.checkMetrics(metrics.text())).isEmpty();
    }
}
