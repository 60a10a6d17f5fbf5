package dev.ballast.exporter.collector.inference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ballast.exporter.collector.CollectionException;
import dev.ballast.exporter.collector.CollectionTarget;
import dev.ballast.exporter.collector.Collector;
import dev.ballast.exporter.collector.http.TargetHttpClient;
import dev.ballast.exporter.metrics.MetricFamily;
import dev.ballast.exporter.metrics.Sample;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Ollama has no Prometheus endpoint (ollama#3144 is open), so its REST API is polled:
 * {@code /api/version} (cheapest liveness, gives the version) and {@code /api/ps} (loaded models with
 * size, VRAM bytes and expiry). A partial CPU offload shows as VRAM bytes below total bytes.
 */
@ApplicationScoped
public class OllamaCollector implements Collector<OllamaCollector.OllamaTarget> {

    static final MetricFamily INFO = MetricFamily.gauge("ballast_inference_server_info",
            "Always 1; labels carry the inference server's kind and version.", "inference_server", "server_kind", "version");
    static final MetricFamily LOADED = MetricFamily.gauge("ballast_inference_models_loaded",
            "Models loaded in memory now (Ollama /api/ps).", "inference_server");
    static final MetricFamily SIZE = MetricFamily.gauge("ballast_inference_model_memory_bytes",
            "Memory a loaded model takes, VRAM and RAM together (Ollama size).", "inference_server", "gen_ai_request_model");
    static final MetricFamily VRAM = MetricFamily.gauge("ballast_inference_model_vram_bytes",
            "GPU memory a loaded model takes (Ollama size_vram); below memory_bytes means partial CPU offload.",
            "inference_server", "gen_ai_request_model");
    static final MetricFamily EXPIRY = MetricFamily.gauge("ballast_inference_model_expiry_timestamp_seconds",
            "Unix time at which Ollama unloads the model unless it is used again.", "inference_server", "gen_ai_request_model");

    public record OllamaTarget(String name, String url, Duration interval, Duration timeout) implements CollectionTarget {
    }

    private final TargetHttpClient http;
    private final List<OllamaTarget> targets;

    OllamaCollector(TargetHttpClient http, InferenceConfig config) {
        this.http = http;
        this.targets = config.ollama().entrySet().stream()
                .map(e -> new OllamaTarget(e.getKey(), TargetHttpClient.withoutTrailingSlash(e.getValue().url()),
                        e.getValue().interval(), e.getValue().timeout()))
                .toList();
    }

    @Override
    public String name() {
        return "ollama";
    }

    @Override
    public List<OllamaTarget> targets() {
        return targets;
    }

    @Override
    public Uni<List<Sample>> collect(OllamaTarget target) {
        Uni<JsonNode> version = http.getJson(target.url() + "/api/version", Map.of(), target.timeout());
        Uni<JsonNode> ps = http.getJson(target.url() + "/api/ps", Map.of(), target.timeout());
        return Uni.combine().all().unis(version, ps).asTuple().map(t -> samples(target.name(), t.getItem1(), t.getItem2()));
    }

    static List<Sample> samples(String server, JsonNode version, JsonNode ps) {
        JsonNode models = ps.path("models");
        if (!models.isArray()) {
            throw new CollectionException(CollectionException.Reason.PARSE, "Ollama /api/ps has no 'models' array");
        }
        List<Sample> out = new ArrayList<>();
        out.add(INFO.sample(1, server, "ollama", version.path("version").asText("unknown")));
        out.add(LOADED.sample(models.size(), server));
        for (JsonNode model : models) {
            String name = model.path("name").asText(model.path("model").asText("unknown"));
            out.add(SIZE.sample(model.path("size").asDouble(0), server, name));
            out.add(VRAM.sample(model.path("size_vram").asDouble(0), server, name));
            String expires = model.path("expires_at").asText("");
            if (!expires.isEmpty()) {
                try {
                    out.add(EXPIRY.sample(OffsetDateTime.parse(expires).toInstant().toEpochMilli() / 1000.0, server, name));
                } catch (java.time.format.DateTimeParseException ignored) {
                    // an unreadable expiry is left out rather than exported as a false time
                }
            }
        }
        return out;
    }
}
