package dev.ballast.exporter.collector.vector;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ballast.exporter.collector.CollectionException;
import dev.ballast.exporter.collector.CollectionTarget;
import dev.ballast.exporter.collector.Collector;
import dev.ballast.exporter.collector.http.TargetHttpClient;
import dev.ballast.exporter.metrics.Sample;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.ballast.exporter.collector.vector.VectorVocabulary.*;

/**
 * Chroma's v2 API (v1 only answers a deprecation notice): heartbeat for liveness, the number of
 * collections, and the record count of each collection (up to max-collections).
 */
@ApplicationScoped
public class ChromaCollector implements Collector<ChromaCollector.ChromaTarget> {

    public record ChromaTarget(String name, String url, String tenant, String database, Optional<String> token, int maxCollections,
                               Duration interval, Duration timeout) implements CollectionTarget {
        String databasePath() {
            return url + "/api/v2/tenants/" + tenant + "/databases/" + database;
        }
    }

    private final TargetHttpClient http;
    private final List<ChromaTarget> targets;

    ChromaCollector(TargetHttpClient http, VectorDbConfig config) {
        this.http = http;
        this.targets = config.chroma().entrySet().stream().map(e -> {
            VectorDbConfig.Chroma c = e.getValue();
            return new ChromaTarget(e.getKey(), TargetHttpClient.withoutTrailingSlash(c.url()), c.tenant(), c.database(), c.token(), c.maxCollections(),
                    c.interval(), c.timeout());
        }).toList();
    }

    @Override
    public String name() {
        return "chroma";
    }

    @Override
    public List<ChromaTarget> targets() {
        return targets;
    }

    private static Map<String, String> headers(ChromaTarget target) {
        return target.token().map(t -> Map.of("x-chroma-token", t)).orElse(Map.of());
    }

    @Override
    public Uni<List<Sample>> collect(ChromaTarget target) {
        return http.getJson(target.url() + "/api/v2/heartbeat", headers(target), target.timeout())
                .invoke(body -> {
                    if (!body.has("nanosecond heartbeat")) {
                        throw new CollectionException(CollectionException.Reason.PARSE, "Chroma heartbeat without 'nanosecond heartbeat'");
                    }
                })
                .flatMap(ignored -> http.getJson(target.databasePath() + "/collections_count", headers(target), target.timeout()))
                .flatMap(count -> {
                    List<Sample> out = new ArrayList<>();
                    out.add(COLLECTIONS.sample(count.asDouble(), target.name()));
                    return http.getJson(target.databasePath() + "/collections?limit=" + target.maxCollections(), headers(target), target.timeout())
                            .flatMap(list -> counts(target, list, out));
                });
    }

    private Uni<List<Sample>> counts(ChromaTarget target, JsonNode collections, List<Sample> out) {
        if (!collections.isArray() || collections.isEmpty()) {
            return Uni.createFrom().item(out);
        }
        List<Uni<Sample>> reads = new ArrayList<>();
        for (JsonNode collection : collections) {
            String id = collection.path("id").asText();
            String name = collection.path("name").asText(id);
            reads.add(http.getJson(target.databasePath() + "/collections/" + id + "/count", headers(target), target.timeout())
                    .map(body -> POINTS.sample(body.asDouble(), target.name(), name)));
        }
        return Uni.join().all(reads).andFailFast().map(samples -> {
            out.addAll(samples);
            return out;
        });
    }
}
