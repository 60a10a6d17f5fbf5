package dev.ballast.exporter.collector.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ballast.exporter.collector.CollectionException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * Non-blocking HTTP for collectors (JDK client): GET or POST with a per-request timeout; answers that
 * are not 2xx fail with reason {@code http_status}.
 */
@ApplicationScoped
public class TargetHttpClient {

    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    private final ObjectMapper mapper;

    TargetHttpClient(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** A configured base URL without its trailing slash, so paths can be appended. */
    public static String withoutTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** GET and parse JSON; invalid JSON fails with reason {@code parse}. */
    public Uni<JsonNode> getJson(String url, Map<String, String> headers, Duration timeout) {
        return get(url, headers, timeout).map(body -> json(url, body));
    }

    public JsonNode json(String url, String body) {
        try {
            return mapper.readTree(body);
        } catch (IOException e) {
            throw new CollectionException(CollectionException.Reason.PARSE, url + " answered with invalid JSON: " + e.getMessage(), e);
        }
    }

    public Uni<String> get(String url, Map<String, String> headers, Duration timeout) {
        return send(HttpRequest.newBuilder(URI.create(url)).GET(), headers, timeout);
    }

    public Uni<String> postJson(String url, String body, Map<String, String> headers, Duration timeout) {
        return send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json"), headers, timeout);
    }

    private Uni<String> send(HttpRequest.Builder builder, Map<String, String> headers, Duration timeout) {
        headers.forEach(builder::header);
        HttpRequest request = builder.timeout(timeout).build();
        return Uni.createFrom().completionStage(() -> client.sendAsync(request, HttpResponse.BodyHandlers.ofString()))
                .map(response -> {
                    if (response.statusCode() / 100 != 2) {
                        throw new CollectionException(CollectionException.Reason.HTTP_STATUS,
                                request.method() + " " + request.uri() + " answered HTTP " + response.statusCode());
                    }
                    return response.body();
                });
    }

    /** The underlying client, for streaming reads (the synthetic probe). */
    public HttpClient client() {
        return client;
    }
}
