package dev.ballast.exporter.collector.vector;

import dev.ballast.testing.LoopbackHttpServer;
import dev.ballast.exporter.testing.Fixtures;
import dev.ballast.testing.TempPaths;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

/**
 * A loopback server replaying recorded Qdrant (1.18 with the memory report, and one without it) and Chroma answers, and a stand-in {@code nvidia-smi}
 * script that prints a recorded CSV; points the collectors at them, collecting every second.
 */
public class RecordedBackendsResource implements QuarkusTestResourceLifecycleManager {

    static final String CHROMA_DB = "/chroma/api/v2/tenants/default_tenant/databases/default_database";

    private LoopbackHttpServer server;
    private Path script;


    @Override
    public Map<String, String> start() {
        server = LoopbackHttpServer.start();
        String json = "application/json";
        server.respond("/qdrant/collections", 200, json, Fixtures.read("qdrant-collections.json"));
        server.respond("/qdrant/collections/docs", 200, json, Fixtures.read("qdrant-collection-docs.json"));
        server.respond("/qdrant/collections/faq", 200, json, Fixtures.read("qdrant-collection-faq.json"));
        server.respond("/qdrant/collections/docs/points/search", 200, json, Fixtures.read("qdrant-search.json"));
        // GET /collections/{name}/memory, Qdrant 1.18+: serde shape of CollectionMemoryReport / NamedVectorMemoryReport /
        // MemoryUsageReport in qdrant/qdrant lib/collection/src/common/memory_reporter.rs, inside the usual
        // {"result", "status", "time"} envelope. docs has a built HNSW index; faq is below indexing_threshold (plain index, 0 bytes).
        server.respond("/qdrant/collections/docs/memory", 200, json, Fixtures.read("qdrant-collection-docs-memory.json"));
        server.respond("/qdrant/collections/faq/memory", 200, json, Fixtures.read("qdrant-collection-faq-memory.json"));
        // A Qdrant before 1.18 has no memory route: actix answers 404 with an empty body.
        server.respond("/qdrant117/collections", 200, json, Fixtures.read("qdrant-collections.json"));
        server.respond("/qdrant117/collections/docs", 200, json, Fixtures.read("qdrant-collection-docs.json"));
        server.respond("/qdrant117/collections/faq", 200, json, Fixtures.read("qdrant-collection-faq.json"));
        server.respond("/qdrant117/collections/docs/memory", 404, json, "");
        server.respond("/qdrant117/collections/faq/memory", 404, json, "");
        server.respond("/chroma/api/v2/heartbeat", 200, json, Fixtures.read("chroma-heartbeat.json"));
        server.respond(CHROMA_DB + "/collections_count", 200, json, "2");
        server.respond(CHROMA_DB + "/collections", 200, json, Fixtures.read("chroma-collections.json"));
        server.respond(CHROMA_DB + "/collections/5f0c3a1e-8b2d-4c9e-a7f6-1d2e3f4a5b6c/count", 200, json, "1200");
        server.respond(CHROMA_DB + "/collections/9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d/count", 200, json, "35");
        try {
            Path csv = TempPaths.file("nvidia-smi-", ".csv");
            Files.writeString(csv, Fixtures.read("nvidia-smi-2x-a100.csv"));
            script = TempPaths.file("nvidia-smi-", ".sh");
            Files.writeString(script, "#!/bin/sh\ncat '" + csv + "'\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> config = new HashMap<>();
        config.put("ballast.exporter.qdrant.main.url", server.url("/qdrant"));
        config.put("ballast.exporter.qdrant.main.interval", "1s");
        config.put("ballast.exporter.qdrant.main.probe-search", "true");
        config.put("ballast.exporter.qdrant.main.memory-report", "true");
        // same recorded Qdrant, memory-report left at its default
        config.put("ballast.exporter.qdrant.plain.url", server.url("/qdrant"));
        config.put("ballast.exporter.qdrant.plain.interval", "1s");
        config.put("ballast.exporter.qdrant.v117.url", server.url("/qdrant117"));
        config.put("ballast.exporter.qdrant.v117.interval", "1s");
        config.put("ballast.exporter.qdrant.v117.memory-report", "true");
        config.put("ballast.exporter.chroma.rag.url", server.url("/chroma"));
        config.put("ballast.exporter.chroma.rag.interval", "1s");
        config.put("ballast.exporter.gpu.command", script.toString());
        config.put("ballast.exporter.gpu.interval", "1s");
        return config;
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }
}
