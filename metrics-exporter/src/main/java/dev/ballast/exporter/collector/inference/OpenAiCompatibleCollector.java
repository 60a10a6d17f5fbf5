package dev.ballast.exporter.collector.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ballast.exporter.collector.CollectionException;
import dev.ballast.exporter.collector.CollectionTarget;
import dev.ballast.exporter.collector.Collector;
import dev.ballast.exporter.collector.http.TargetHttpClient;
import dev.ballast.exporter.metrics.MetricFamily;
import dev.ballast.exporter.metrics.Sample;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Any OpenAI-compatible server (vLLM, TGI, Ollama, LiteLLM…): {@code GET /v1/models} lists the served
 * models; an optional synthetic probe (off by default, it costs tokens) sends a tiny streamed chat
 * completion and measures time to first token and output tokens per second.
 */
@ApplicationScoped
public class OpenAiCompatibleCollector implements Collector<OpenAiCompatibleCollector.OpenAiTarget> {

    static final MetricFamily MODEL_INFO = MetricFamily.gauge("ballast_inference_model_info",
            "Always 1 for each model the OpenAI-compatible server lists at /v1/models.", "inference_server", "gen_ai_request_model");
    static final MetricFamily PROBE_TTFT = MetricFamily.gauge("ballast_inference_probe_time_to_first_token_seconds",
            "Time to the first streamed token of the last synthetic probe request.", "inference_server", "gen_ai_request_model");
    static final MetricFamily PROBE_RATE = MetricFamily.gauge("ballast_inference_probe_output_tokens_per_second",
            "Output tokens per second after the first token, in the last synthetic probe request.", "inference_server", "gen_ai_request_model");

    public record OpenAiTarget(String name, String baseUrl, Optional<String> apiKey, Duration interval, Duration timeout,
                               boolean probe, Optional<String> probeModel, int probeMaxTokens) implements CollectionTarget {
    }

    /** What one probe measured. */
    record ProbeResult(double timeToFirstTokenSeconds, double outputTokensPerSecond) {
    }

    private final TargetHttpClient http;
    private final ObjectMapper mapper;
    private final List<OpenAiTarget> targets;

    OpenAiCompatibleCollector(TargetHttpClient http, ObjectMapper mapper, InferenceConfig config) {
        this.http = http;
        this.mapper = mapper;
        this.targets = config.openai().entrySet().stream().map(e -> {
            InferenceConfig.OpenAiServer s = e.getValue();
            return new OpenAiTarget(e.getKey(), TargetHttpClient.withoutTrailingSlash(s.url()), s.apiKey(), s.interval(), s.timeout(),
                    s.probe().enabled(), s.probe().model(), s.probe().maxTokens());
        }).toList();
    }

    @Override
    public String name() {
        return "openai";
    }

    @Override
    public List<OpenAiTarget> targets() {
        return targets;
    }

    private static Map<String, String> headers(OpenAiTarget target) {
        Map<String, String> headers = new HashMap<>();
        target.apiKey().ifPresent(key -> headers.put("Authorization", "Bearer " + key));
        return headers;
    }

    @Override
    public Uni<List<Sample>> collect(OpenAiTarget target) {
        return http.getJson(target.baseUrl() + "/models", headers(target), target.timeout()).flatMap(body -> {
            List<String> models = models(body);
            List<Sample> out = new ArrayList<>();
            models.forEach(model -> out.add(MODEL_INFO.sample(1, target.name(), model)));
            if (!target.probe()) {
                return Uni.createFrom().item(out);
            }
            String model = target.probeModel().orElse(models.isEmpty() ? null : models.get(0));
            if (model == null) {
                return Uni.createFrom().failure(new CollectionException(CollectionException.Reason.PARSE,
                        "probe enabled but /v1/models lists no model and probe.model is not set"));
            }
            return Uni.createFrom().item(() -> probe(target, model))
                    .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                    .map(result -> {
                        out.add(PROBE_TTFT.sample(result.timeToFirstTokenSeconds(), target.name(), model));
                        out.add(PROBE_RATE.sample(result.outputTokensPerSecond(), target.name(), model));
                        return out;
                    });
        });
    }

    static List<String> models(JsonNode body) {
        JsonNode data = body.path("data");
        if (!data.isArray()) {
            throw new CollectionException(CollectionException.Reason.PARSE, "/v1/models has no 'data' array");
        }
        List<String> models = new ArrayList<>();
        data.forEach(m -> models.add(m.path("id").asText()));
        return models;
    }

    /** Blocking, on a worker thread: a streamed completion read line by line (server-sent events). */
    ProbeResult probe(OpenAiTarget target, String model) {
        ObjectNode request = mapper.createObjectNode();
        request.put("model", model);
        request.putArray("messages").addObject().put("role", "user").put("content", "Count from 1 to 20.");
        request.put("max_tokens", target.probeMaxTokens());
        request.put("stream", true);
        request.putObject("stream_options").put("include_usage", true);
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(target.baseUrl() + "/chat/completions"))
                .timeout(target.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request.toString()));
        headers(target).forEach(builder::header);
        long start = System.nanoTime();
        try {
            HttpResponse<java.io.InputStream> response = http.client().send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() / 100 != 2) {
                response.body().close();
                throw new CollectionException(CollectionException.Reason.HTTP_STATUS, "probe answered HTTP " + response.statusCode());
            }
            long first = -1;
            long last = start;
            int chunks = 0;
            long usageTokens = -1;
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (!line.startsWith("data:")) {
                        continue;
                    }
                    String data = line.substring(5).trim();
                    if (data.equals("[DONE]")) {
                        break;
                    }
                    JsonNode chunk = mapper.readTree(data);
                    JsonNode usage = chunk.path("usage");
                    if (usage.has("completion_tokens")) {
                        usageTokens = usage.path("completion_tokens").asLong();
                    }
                    String content = chunk.path("choices").path(0).path("delta").path("content").asText("");
                    if (!content.isEmpty()) {
                        long now = System.nanoTime();
                        if (first < 0) {
                            first = now;
                        }
                        last = now;
                        chunks++;
                    }
                }
            }
            if (first < 0) {
                throw new CollectionException(CollectionException.Reason.PARSE, "probe stream carried no token");
            }
            long tokens = usageTokens > 0 ? usageTokens : chunks;
            double afterFirst = (last - first) / 1e9;
            double rate = tokens > 1 && afterFirst > 0 ? (tokens - 1) / afterFirst : 0;
            return new ProbeResult((first - start) / 1e9, rate);
        } catch (IOException e) {
            throw new CollectionException(CollectionException.Reason.CONNECTION, "probe failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectionException(CollectionException.Reason.OTHER, "probe interrupted", e);
        }
    }
}
