package dev.ballast.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A throwaway HTTP server on a free loopback port, for tests that need a real upstream or a recorded
 * response shape (Ollama, vLLM, Qdrant…). Handlers run on a small thread pool so a handler may block.
 *
 * <pre>{@code
 * try (var server = LoopbackHttpServer.start()) {
 *     server.respond("/api/version", 200, "application/json", "{\"version\":\"0.5.1\"}");
 *     String url = server.url("/api/version");
 * }
 * }</pre>
 */
public final class LoopbackHttpServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor;
    private final AtomicInteger requests = new AtomicInteger();

    private LoopbackHttpServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    public static LoopbackHttpServer start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
            ExecutorService executor = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "loopback-http");
                t.setDaemon(true);
                return t;
            });
            server.setExecutor(executor);
            server.start();
            return new LoopbackHttpServer(server, executor);
        } catch (IOException e) {
            throw new IllegalStateException("Could not bind a loopback HTTP server", e);
        }
    }

    /** Serves {@code path} (and everything below it) with the handler. */
    public LoopbackHttpServer handle(String path, HttpHandler handler) {
        server.createContext(path, exchange -> {
            requests.incrementAndGet();
            try {
                handler.handle(exchange);
            } finally {
                exchange.close();
            }
        });
        return this;
    }

    /** Serves a fixed body with a status and content type. */
    public LoopbackHttpServer respond(String path, int status, String contentType, String body) {
        return handle(path, exchange -> send(exchange, status, contentType, body, Map.of()));
    }

    /** Writes a complete response. */
    public static void send(HttpExchange exchange, int status, String contentType, String body, Map<String, String> headers)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String host() {
        return "127.0.0.1";
    }

    /** Absolute URL of a path on this server. */
    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    /** Requests served so far, over all paths. */
    public int requestCount() {
        return requests.get();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
