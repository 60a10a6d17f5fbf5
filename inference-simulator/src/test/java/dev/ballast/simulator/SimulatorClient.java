package dev.ballast.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Talks to a simulator over real HTTP/1.1 on loopback, the way gateways and exporters will. */
final class SimulatorClient {

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final String baseUrl;

    SimulatorClient(InferenceSimulator simulator) {
        this.baseUrl = simulator.baseUrl();
    }

    HttpResponse<String> get(String path) {
        return send(request(path).GET().build());
    }

    HttpResponse<String> delete(String path) {
        return send(request(path).DELETE().build());
    }

    HttpResponse<String> post(String path, String body) {
        return send(postRequest(path, body));
    }

    JsonObject postJson(String path, String body) {
        HttpResponse<String> response = post(path, body);
        assertThat(response.statusCode()).as("status of POST %s: %s", path, response.body()).isEqualTo(200);
        return new JsonObject(response.body());
    }

    CompletableFuture<HttpResponse<String>> postAsync(String path, String body) {
        return http.sendAsync(postRequest(path, body), HttpResponse.BodyHandlers.ofString());
    }

    /** The response of a streamed POST, read line by line until the server ends or drops the stream. */
    StreamedResponse stream(String path, String body) {
        try {
            HttpResponse<Stream<String>> response = http.send(postRequest(path, body), HttpResponse.BodyHandlers.ofLines());
            List<String> lines = new ArrayList<>();
            IOException broken = null;
            try (Stream<String> stream = response.body()) {
                stream.forEach(lines::add);
            } catch (UncheckedIOException e) {
                broken = e.getCause();
            }
            return new StreamedResponse(response, lines, broken);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The value of one sample of {@code GET /metrics}, e.g. {@code metric("vllm:num_requests_waiting")}. */
    double metric(String nameWithOptionalLabels) {
        String text = get("/metrics").body();
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(nameWithOptionalLabels) + "(\\{[^}]*\\})? (\\S+)$").matcher(text);
        assertThat(matcher.find()).as("metric %s in:%n%s", nameWithOptionalLabels, text).isTrue();
        return Double.parseDouble(matcher.group(2));
    }

    private HttpRequest postRequest(String path, String body) {
        return request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30));
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Status, headers and body lines of a streamed response; {@code broken} is set when the connection dropped. */
    record StreamedResponse(HttpResponse<?> response, List<String> lines, IOException broken) {

        /** SSE {@code data:} payloads, in order. */
        List<String> events() {
            return lines.stream().filter(line -> line.startsWith("data: ")).map(line -> line.substring(6)).toList();
        }

        /** Non-empty NDJSON lines parsed as objects. */
        List<JsonObject> objects() {
            return lines.stream().filter(line -> !line.isBlank()).map(JsonObject::new).toList();
        }
    }
}
