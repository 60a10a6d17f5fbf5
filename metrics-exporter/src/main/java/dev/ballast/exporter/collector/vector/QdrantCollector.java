package dev.ballast.exporter.collector.vector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ballast.exporter.collector.CollectionTarget;
import dev.ballast.exporter.collector.Collector;
import dev.ballast.exporter.collector.http.TargetHttpClient;
import dev.ballast.exporter.metrics.Sample;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.ballast.exporter.collector.vector.VectorVocabulary.*;

/**
 * Qdrant: {@code GET /collections} lists names, {@code GET /collections/{name}} gives points_count,
 * indexed_vectors_count, segments_count and status (green/yellow/grey/red); optionally the collection memory
 * report (Qdrant 1.18+) gives the vector indexes' memory and a probe search measures latency. Collection info
 * and {@code /telemetry} carry no usable index memory (telemetry's segment ram_usage_bytes is always 0).
 */
@ApplicationScoped
public class QdrantCollector implements Collector<QdrantCollector.QdrantTarget> {

    static final List<String> STATUSES = List.of("green", "yellow", "grey", "red");

    public record QdrantTarget(String name, String url, Optional<String> apiKey, List<String> collections, int maxCollections,
                               boolean probeSearch, boolean memoryReport, Duration interval, Duration timeout) implements CollectionTarget {
    }

    private final TargetHttpClient http;
    private final ObjectMapper mapper;
    private final List<QdrantTarget> targets;

    QdrantCollector(TargetHttpClient http, ObjectMapper mapper, VectorDbConfig config) {
        this.http = http;
        this.mapper = mapper;
        this.targets = config.qdrant().entrySet().stream().map(e -> {
            VectorDbConfig.Qdrant q = e.getValue();
            return new QdrantTarget(e.getKey(), TargetHttpClient.withoutTrailingSlash(q.url()), q.apiKey(), q.collections().orElse(List.of()), q.maxCollections(),
                    q.probeSearch(), q.memoryReport(), q.interval(), q.timeout());
        }).toList();
    }

    @Override
    public String name() {
        return "qdrant";
    }

    @Override
    public List<QdrantTarget> targets() {
        return targets;
    }

    private Map<String, String> headers(QdrantTarget target) {
        return target.apiKey().map(k -> Map.of("api-key", k)).orElse(Map.of());
    }

    @Override
    public Uni<List<Sample>> collect(QdrantTarget target) {
        return http.getJson(target.url() + "/collections", headers(target), target.timeout()).flatMap(body -> {
            JsonNode listed = body.path("result").path("collections");
            List<String> names = new ArrayList<>();
            listed.forEach(c -> names.add(c.path("name").asText()));
            List<String> chosen = (target.collections().isEmpty() ? names : target.collections()).stream()
                    .sorted().limit(target.maxCollections()).toList();
            List<Sample> out = new ArrayList<>();
            out.add(COLLECTIONS.sample(names.size(), target.name()));
            if (chosen.isEmpty()) {
                return Uni.createFrom().item(out);
            }
            List<Uni<List<Sample>>> reads = chosen.stream().map(c -> collection(target, c)).toList();
            return Uni.join().all(reads).andFailFast().map(lists -> {
                lists.forEach(out::addAll);
                return out;
            });
        });
    }

    private Uni<List<Sample>> collection(QdrantTarget target, String collection) {
        String path = target.url() + "/collections/" + URLEncoder.encode(collection, StandardCharsets.UTF_8).replace("+", "%20");
        return http.getJson(path, headers(target), target.timeout()).flatMap(body -> {
            JsonNode result = body.path("result");
            List<Sample> out = new ArrayList<>();
            if (result.hasNonNull("points_count")) {
                out.add(POINTS.sample(result.path("points_count").asDouble(), target.name(), collection));
            }
            if (result.hasNonNull("indexed_vectors_count")) {
                out.add(INDEXED.sample(result.path("indexed_vectors_count").asDouble(), target.name(), collection));
            }
            out.add(SEGMENTS.sample(result.path("segments_count").asDouble(), target.name(), collection));
            String status = result.path("status").asText("");
            for (String s : STATUSES) {
                out.add(STATUS.sample(s.equals(status) ? 1 : 0, target.name(), collection, s));
            }
            Uni<List<Sample>> samples = Uni.createFrom().item(out);
            if (target.memoryReport()) {
                samples = samples.flatMap(o -> indexMemory(target, collection, path, o));
            }
            int size = result.path("config").path("params").path("vectors").path("size").asInt(0);
            if (target.probeSearch() && size > 0) {
                samples = samples.flatMap(o -> probeSearch(target, collection, path, size, o));
            }
            return samples;
        });
    }

    private Uni<List<Sample>> indexMemory(QdrantTarget target, String collection, String path, List<Sample> out) {
        return http.getJson(path + "/memory", headers(target), target.timeout()).map(body -> {
            QdrantIndexMemory memory = QdrantIndexMemory.of(body.path("result"));
            out.add(INDEX_MEMORY.sample(memory.heapBytes(), target.name(), collection, "heap"));
            out.add(INDEX_MEMORY.sample(memory.pageCacheBytes(), target.name(), collection, "page_cache"));
            return out;
        });
    }

    private Uni<List<Sample>> probeSearch(QdrantTarget target, String collection, String path, int size, List<Sample> out) {
        ObjectNode search = mapper.createObjectNode();
        ArrayNode vector = search.putArray("vector");
        for (int i = 0; i < size; i++) {
            vector.add(0.0);
        }
        search.put("limit", 1);
        long start = System.nanoTime();
        return http.postJson(path + "/points/search", search.toString(), headers(target), target.timeout()).map(ignored -> {
            out.add(PROBE.sample((System.nanoTime() - start) / 1e9, target.name(), collection));
            return out;
        });
    }
}
