package dev.ballast.simulator.http;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * One response on its way out, streamed in chunks or sent whole, with the "drop mid-stream" fault built in:
 * after {@code dropAfterChunks} chunks the connection is closed as a crashing backend would. Also the one
 * place that notices the client going away, so the generation behind it can stop.
 */
public final class ResponseChannel {

    private final HttpServerRequest request;
    private final Integer dropAfterChunks;
    private Runnable onClosed = () -> { };
    private int chunks;
    private boolean streaming;
    private boolean closed;

    public ResponseChannel(HttpServerRequest request, Integer dropAfterChunks) {
        this.request = request;
        this.dropAfterChunks = dropAfterChunks;
        request.response().closeHandler(ignored -> markClosed());
    }

    /** Runs once when the connection goes away before the response ended (client left, or a dropped stream). */
    public void onClosed(Runnable action) {
        this.onClosed = action;
    }

    /** Sends status and headers of a streamed response at once; the body follows in {@link #chunk}s. Idempotent. */
    public void startStream(String contentType) {
        if (closed || streaming) {
            return;
        }
        streaming = true;
        response().setChunked(true).putHeader("Content-Type", contentType)
                .putHeader("Cache-Control", "no-cache");
        // an empty write sends status and headers now (no chunk goes out for it)
        Future<Void> headers = response().write(Buffer.buffer());
        if (dropAfterChunks != null && dropAfterChunks == 0) {
            dropAfter(headers);
        }
    }

    public void chunk(String text) {
        if (closed) {
            return;
        }
        Future<Void> written = response().write(text);
        chunks++;
        if (dropAfterChunks != null && chunks >= dropAfterChunks) {
            dropAfter(written);
        }
    }

    public void endStream() {
        if (!closed) {
            response().end();
        }
    }

    /** A non-streamed response; with the drop fault on, the connection closes instead of answering. */
    public void sendWhole(int status, String contentType, String body) {
        if (closed) {
            return;
        }
        if (dropAfterChunks != null) {
            dropAfter(Future.succeededFuture());
            return;
        }
        response().setStatusCode(status).putHeader("Content-Type", contentType).end(body);
    }

    private HttpServerResponse response() {
        return request.response();
    }

    /** Stops the generation now; closes the connection once the last chunk is on the wire, so the client gets exactly N. */
    private void dropAfter(Future<Void> lastWrite) {
        markClosed();
        lastWrite.onComplete(ignored -> request.connection().close());
    }

    private void markClosed() {
        if (!closed) {
            closed = true;
            onClosed.run();
        }
    }
}
