package dev.ballast.gateway.testing;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.util.Map;
import java.util.function.Supplier;
import java.util.concurrent.TimeUnit;

/**
 * A plain Vert.x HTTP client for talking to the gateway in tests where RestAssured hides too much: hop-by-hop
 * headers, chunked uploads, streams and WebSockets.
 */
public final class GatewayClient implements AutoCloseable {

    public record Reply(int status, MultiMap headers, String body) {
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpClient client;
    private final int port;

    public GatewayClient(int port) {
        this.port = port;
        this.client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
                .setDefaultPort(port).setKeepAlive(true));
    }

    public Vertx vertx() {
        return vertx;
    }

    public HttpClient http() {
        return client;
    }

    public int port() {
        return port;
    }

    public Reply get(String path) {
        return send(HttpMethod.GET, path, Map.of(), null, false);
    }

    public Reply send(HttpMethod method, String path, Map<String, String> headers, Buffer body, boolean chunked) {
        RequestOptions options = new RequestOptions().setMethod(method).setURI(path).setHost("127.0.0.1")
                .setPort(port);
        headers.forEach(options::putHeader);
        return await(onEventLoop(() -> client.request(options).compose(request -> {
            if (chunked) {
                request.setChunked(true);
            }
            return (body == null ? request.send() : request.send(body))
                    .compose(response -> response.body().map(b -> new Reply(response.statusCode(),
                            response.headers(), b.toString())));
        })));
    }

    /**
     * Runs {@code start} on an event loop of this client and returns what it returns. An exchange started from the
     * test thread may have its response delivered before the test thread gets to set the body handler (a callback
     * set on a completed future runs on the thread that sets it, while the loop goes on delivering chunks); started
     * on a loop, every callback of the chain runs on that loop, in order, before the loop handles the next event.
     */
    public <T> Future<T> onEventLoop(Supplier<Future<T>> start) {
        Promise<T> result = Promise.promise();
        vertx.getOrCreateContext().runOnContext(v -> {
            try {
                start.get().onComplete(result);
            } catch (RuntimeException e) {
                result.fail(e);
            }
        });
        return result.future();
    }

    /** The body of one GET on 127.0.0.1:{@code port} (the management port, typically), with a client of its own. */
    public static String body(int port, String path) {
        try (GatewayClient client = new GatewayClient(port)) {
            return client.get(path).body();
        }
    }

    public static <T> T await(io.vertx.core.Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("Request through the gateway failed: " + e, e);
        }
    }

    @Override
    public void close() {
        client.close();
        vertx.close();
    }
}
