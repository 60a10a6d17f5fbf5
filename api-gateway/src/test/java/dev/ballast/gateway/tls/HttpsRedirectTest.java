package dev.ballast.gateway.tls;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class HttpsRedirectTest {

    private static Vertx vertx;
    private static HttpsRedirect redirect;
    private static int port;

    @BeforeAll
    static void listen() throws Exception {
        vertx = Vertx.vertx();
        redirect = new HttpsRedirect(() -> 8443);
        port = redirect.listen(vertx, "127.0.0.1", 0).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void close() throws Exception {
        redirect.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.close();
    }

    @ParameterizedTest(name = "Host {0}, {1} -> {3}")
    @CsvSource(delimiter = '|', value = {
            "api.example.com      | /v1/chat?stream=true | 8443 | https://api.example.com:8443/v1/chat?stream=true",
            "api.example.com:8080 | /v1/chat             | 8443 | https://api.example.com:8443/v1/chat",
            "API.Example.com      | /                    | 443  | https://api.example.com/",
            "127.0.0.1:80         | /a/b?c=d&e           | 443  | https://127.0.0.1/a/b?c=d&e",
            "[::1]:8080           | /x                   | 8443 | https://[::1]:8443/x",
            "[::1]                | /x                   | 443  | https://[::1]/x",
            "gw.local             | http://gw.local/p?q  | 443  | https://gw.local/p?q",
            "gw.local             | http://gw.local      | 443  | https://gw.local/",
            "gw.local             | *                    | 443  | https://gw.local/"})
    @DisplayName("Location keeps host, path and query and names the HTTPS port")
    void location(String host, String uri, int httpsPort, String expected) {
        assertThat(HttpsRedirect.location(host, uri, httpsPort)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "Host \"{0}\"")
    @CsvSource(delimiter = '|', value = {"evil.com/path", "user@evil.com", "a b", "''", "evil.com\\@good"})
    @DisplayName("a Host that is not a plain host name or address is not redirected to")
    void badHost(String host) {
        assertThat(HttpsRedirect.location(host, "/", 443)).isNull();
    }

    @Test
    @DisplayName("a POST over plain HTTP gets 308 (method kept) to the same path on HTTPS")
    void postIsRedirected() throws Exception {
        HttpResponse<String> response = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build()
                .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/completions?x=1"))
                        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(308);
        assertThat(response.headers().firstValue("location"))
                .hasValue("https://127.0.0.1:8443/v1/completions?x=1");
        assertThat(response.body()).isEmpty();
    }

    @Test
    @DisplayName("a request without Host gets a 400 problem, not a redirect")
    void noHost() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /x HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String reply = new String(in.readAllBytes(), StandardCharsets.US_ASCII);

            assertThat(reply).startsWith("HTTP/1.0 400");
            assertThat(reply).contains("application/problem+json").contains("\"status\":400")
                    .contains("https://ballast.dev/problems/bad-request");
        }
    }
}
