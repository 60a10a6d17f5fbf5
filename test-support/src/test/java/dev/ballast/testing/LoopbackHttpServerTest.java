package dev.ballast.testing;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

class LoopbackHttpServerTest {

    @Test
    void servesRecordedResponsesOnLoopback() throws Exception {
        try (LoopbackHttpServer server = LoopbackHttpServer.start()) {
            server.respond("/api/version", 200, "application/json", "{\"version\":\"0.5.1\"}");

            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(server.url("/api/version"))).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("{\"version\":\"0.5.1\"}");
            assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
            assertThat(server.requestCount()).isEqualTo(1);
            assertThat(server.url("/x")).startsWith("http://127.0.0.1:");
        }
    }
}
