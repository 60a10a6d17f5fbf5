package dev.ballast.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
    private final String host;
    private final int port;

    SimulatorClient(InferenceSimulator simulator) {
        this.baseUrl = simulator.baseUrl();
        this.host = simulator.host();
        this.port = simulator.port();
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

    /** Completes as soon as status and headers arrive, before the body. */
    CompletableFuture<HttpResponse<Stream<String>>> postForHeaders(String path, String body) {
        return http.sendAsync(postRequest(path, body), HttpResponse.BodyHandlers.ofLines());
    }

    /** The response of a streamed POST, read line by line to its end (truncated streams: use a raw socket). */
    StreamedResponse stream(String path, String body) {
        try {
            HttpResponse<Stream<String>> response = http.send(postRequest(path, body), HttpResponse.BodyHandlers.ofLines());
            List<String> lines = new ArrayList<>();
            try (Stream<String> stream = response.body()) {
                stream.forEach(lines::add);
            }
            return new StreamedResponse(response, lines);
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

    /**
     * Sends a POST on a raw socket and leaves it open: the test decides when to hang up or read. Used where
     * the JDK client would hide what happened on the wire (disconnects, truncated streams).
     */
    Socket openRawPost(String path, String body) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 5_000);
        socket.setSoTimeout(30_000);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        return socket;
    }

    /** Everything the server sends on a raw socket until it closes the connection. */
    static String readUntilClosed(Socket socket) throws IOException {
        try (socket) {
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
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

    /** Status, headers and body lines of a streamed response. */
    record StreamedResponse(HttpResponse<?> response, List<String> lines) {

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
