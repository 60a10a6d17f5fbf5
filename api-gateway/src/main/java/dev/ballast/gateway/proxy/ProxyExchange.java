package dev.ballast.gateway.proxy;

import dev.ballast.gateway.config.RetrySettings;
import dev.ballast.gateway.config.RouteSettings;
import dev.ballast.gateway.config.TimeoutSettings;
import dev.ballast.gateway.metrics.RouteMeters;
import dev.ballast.gateway.routing.RouteTable;
import dev.ballast.gateway.upstream.UpstreamRuntime;
import dev.ballast.lb.Lease;
import dev.ballast.lb.Outcome;
import dev.ballast.lb.PickContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.AsyncResult;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetSocket;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;

/**
 * One client request on its way through the gateway: picks an endpoint through the library, streams the body both
 * ways with backpressure, retries by the nginx/Envoy/HAProxy consensus (any method when the request provably never
 * left, idempotent ones on chosen statuses and timeouts, never after the first byte reached the client) and
 * completes the lease exactly once on every path. Lives on one event loop, so its fields need no synchronisation.
 */
final class ProxyExchange {

    private final ProxyHandler proxy;
    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final RouteSettings route;
    private final UpstreamRuntime upstream;
    private final RouteMeters meters;
    private final CharSequence requestId;
    /** The normalised request path (RequestPath): the very instance of request.path() when it needed no change. */
    private final String path;
    private final long startNanos = System.nanoTime();
    private final long contentLength;
    private final boolean hasBody;
    private final boolean idempotent;

    private String peer;
    private String clientIp;
    private String uri;
    /** The request body kept for replays; null when the body is streamed (or there is none). */
    private Buffer body;
    /** True once request body bytes were consumed into a streamed upstream request: no replay is possible. */
    private boolean bodyStreamed;
    private int tries;
    private Set<String> tried;
    private Lease lease;
    private String leaseEndpoint;
    private HttpClientRequest upstreamRequest;
    private HttpClientResponse upstreamResponse;
    private boolean requestWritten;
    private boolean responseStarted;
    private boolean inRetryBudget;
    private boolean lastTryUnsent;
    private boolean done;
    /** The exchange ended before the client finished its body; the rest is read and dropped. */
    private boolean droppingBody;
    private int status;
    private long requestBytes;
    private long responseBytes;
    private long timer = -1;
    private long totalDeadline;
    private long lastDataNanos;
    private long sentNanos;

    ProxyExchange(ProxyHandler proxy, HttpServerRequest request, RouteSettings route, UpstreamRuntime upstream,
                  CharSequence requestId, String path) {
        this.proxy = proxy;
        this.request = request;
        this.response = request.response();
        this.route = route;
        this.upstream = upstream;
        this.meters = proxy.metrics.route(route.name());
        this.requestId = requestId;
        this.path = path;
        String length = request.getHeader(HeaderNames.CONTENT_LENGTH);
        long parsed = -1;
        if (length != null) {
            try {
                parsed = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                parsed = -2;
            }
        }
        this.contentLength = parsed;
        this.hasBody = parsed > 0 || (parsed == -1 && request.getHeader(HeaderNames.TRANSFER_ENCODING) != null);
        HttpMethod method = request.method();
        this.idempotent = route.idempotent() || method == HttpMethod.GET || method == HttpMethod.HEAD
                || method == HttpMethod.OPTIONS || method == HttpMethod.PUT || method == HttpMethod.DELETE;
    }

    void start() {
        upstream.requestStarted();
        response.closeHandler(v -> clientClosed());
        if (contentLength == -2) {
            fail(400, "bad-request", "Bad Request", "Content-Length is not a number", null);
            return;
        }
        if (contentLength > route.maxBodySize()) {
            response.putHeader(HeaderNames.CONNECTION, "close");
            fail(413, "body-too-large", "Content Too Large", "The request body of " + contentLength
                    + " bytes exceeds the limit of " + route.maxBodySize() + " bytes", null);
            return;
        }
        peer = request.remoteAddress() == null ? "0.0.0.0" : request.remoteAddress().hostAddress();
        String xff = request.getHeader(HeaderNames.X_FORWARDED_FOR);
        String forwarded = request.getHeader(HeaderNames.FORWARDED);
        // Without forwarding headers the answer is the peer; skip the resolver's parsing on the common path.
        clientIp = xff == null && forwarded == null ? peer : proxy.clientIp.resolve(peer, xff, forwarded);
        String pathAndQuery = request.uri();
        //noinspection StringEquality: identity says RequestPath left the path as sent
        if (path != request.path() || pathAndQuery.isEmpty() || pathAndQuery.charAt(0) != '/') {
            String query = request.query();
            pathAndQuery = query == null ? path : path + "?" + query;
        }
        uri = RouteTable.upstreamUri(route, pathAndQuery);
        TimeoutSettings timeouts = route.timeouts();
        if (timeouts.totalMillis() > 0) {
            totalDeadline = startNanos + timeouts.totalMillis() * 1_000_000L;
            scheduleTimer();
        }
        if (isWebSocketUpgrade()) {
            attempt();
            return;
        }
        if (hasBody && contentLength > 0 && contentLength <= route.retries().replayableBodySize()
                && route.retries().maxTries() > 1) {
            bufferBodyThenAttempt();
        } else {
            if (hasBody) {
                request.pause();
            }
            attempt();
        }
    }

    private boolean isWebSocketUpgrade() {
        String upgrade = request.getHeader(HeaderNames.UPGRADE);
        return upgrade != null && upgrade.equalsIgnoreCase("websocket");
    }

    private void bufferBodyThenAttempt() {
        body = Buffer.buffer((int) contentLength);
        continueIfExpected();
        request.handler(chunk -> {
            if (body.length() + chunk.length() > contentLength) {
                return; // a client sending more than it announced; the codec will fail the request
            }
            body.appendBuffer(chunk);
        });
        request.endHandler(v -> attempt());
        request.resume();
    }

    private void continueIfExpected() {
        String expect = request.getHeader(HeaderNames.EXPECT);
        if (expect != null && expect.regionMatches(true, 0, "100-continue", 0, 12)) {
            response.writeContinue();
        }
    }

    private void attempt() {
        if (done) {
            return;
        }
        tries++;
        Lease picked = pick();
        if (picked == null && lastTryUnsent && tried != null) {
            // Every other endpoint was tried, but the last try provably never left (typically a pooled connection
            // the upstream had just closed): a fresh connection to the same endpoint is safe and likely to work.
            tried = null;
            picked = pick();
        }
        boolean rejected = false;
        int cap = upstream.settings().maxConnectionsPerEndpoint() + upstream.settings().maxPendingPerEndpoint();
        while (picked != null && picked.endpoint().inFlight() > cap) {
            // Circuit breaker: this endpoint is full. Give the lease back without health impact, try another one.
            rejected = true;
            avoid(picked.endpoint().id());
            picked.complete(Outcome.CLIENT_ABORT);
            picked = pick();
        }
        if (picked == null) {
            if (rejected) {
                proxy.metrics.rejected(upstream.name());
                response.putHeader(HeaderNames.RETRY_AFTER, "1");
                fail(503, "upstream-saturated", "Service Unavailable", "Every endpoint of upstream '"
                        + upstream.name() + "' is at its connection limit; retry later", null);
            } else if (tries == 1) {
                response.putHeader(HeaderNames.RETRY_AFTER, "1");
                fail(503, "no-endpoint", "Service Unavailable", "Upstream '" + upstream.name()
                        + "' has no usable endpoint", null);
            } else {
                fail(status == 504 ? 504 : 502, status == 504 ? "upstream-timeout" : "upstream-failure",
                        status == 504 ? "Gateway Timeout" : "Bad Gateway",
                        "No endpoint of upstream '" + upstream.name() + "' is left to retry on", null);
            }
            return;
        }
        lease = picked;
        leaseEndpoint = picked.endpoint().id();
        requestWritten = false;
        // target(): to the endpoint's address; over TLS with a server-name, SNI and verification use that name.
        RequestOptions options = upstream.settings().tls().target(new RequestOptions(),
                        upstream.address(picked.endpoint()))
                .setMethod(request.method())
                .setURI(uri)
                .setConnectTimeout(route.timeouts().connectMillis());
        proxy.clients.client(upstream).request(options, this::onRequest);
    }

    private Lease pick() {
        String hashKey = null;
        var settings = upstream.settings();
        if (settings.hashHeader() != null) {
            hashKey = request.getHeader(settings.hashHeader());
        } else if (settings.hashCookie() != null) {
            hashKey = cookie(request.getHeader(HeaderNames.COOKIE), settings.hashCookie());
        }
        return upstream.pool().pick(new PickContext(clientIp, hashKey, tried == null ? Set.of() : tried));
    }

    private void avoid(String endpointId) {
        if (tried == null) {
            tried = new HashSet<>(4);
        }
        tried.add(endpointId);
    }

    private void onRequest(AsyncResult<HttpClientRequest> result) {
        if (result.failed()) {
            Throwable cause = result.cause();
            boolean busy = cause instanceof ConnectionPoolTooBusyException;
            boolean timeout = cause instanceof TimeoutException;
            if (busy) {
                proxy.metrics.rejected(upstream.name());
            }
            completeLease(busy ? Outcome.CLIENT_ABORT : timeout ? Outcome.TIMEOUT : Outcome.GATEWAY_FAILURE);
            // No connection was ever obtained: the request provably did not reach the upstream.
            tryFailed(true, busy ? 503 : timeout ? 504 : 502);
            return;
        }
        HttpClientRequest outgoing = result.result();
        if (done) {
            outgoing.reset();
            return;
        }
        upstreamRequest = outgoing;
        // Failures surface through the response future; without a handler Vert.x would log each reset as an error.
        outgoing.exceptionHandler(ProxyExchange::ignore);
        MultiMap headers = outgoing.headers();
        boolean webSocket = isWebSocketUpgrade();
        if (webSocket) {
            headers.addAll(request.headers());
        } else {
            HopByHopHeaders.copy(request.headers(), headers);
            headers.remove(HeaderNames.EXPECT);
        }
        if (!route.preserveHost()) {
            headers.remove(HeaderNames.HOST);
        }
        String host = request.getHeader(HeaderNames.HOST);
        boolean peerTrusted = proxy.hasTrustedProxies
                && (request.getHeader(HeaderNames.X_FORWARDED_PROTO) != null || request.getHeader(HeaderNames.X_FORWARDED_HOST) != null)
                && proxy.clientIp.isTrusted(peer);
        ForwardedHeaders.append(headers, peer, request.scheme(), host, peerTrusted);
        headers.set(proxy.requestIdHeader, requestId);
        if (webSocket) {
            outgoing.connect(this::onWebSocketResponse);
            return;
        }
        outgoing.response(this::onResponse);
        if (!hasBody) {
            if (idempotent) {
                outgoing.end(); // replayable anyway: whether it was written does not change the retry decision
            } else {
                outgoing.end(this::onWritten);
            }
            armResponseTimeout();
        } else if (body != null) {
            headers.set(HeaderNames.CONTENT_LENGTH, String.valueOf(body.length()));
            requestBytes = body.length();
            outgoing.end(body, this::onWritten);
            armResponseTimeout();
        } else {
            streamRequestBody(outgoing);
        }
    }


    private void streamRequestBody(HttpClientRequest outgoing) {
        if (contentLength < 0) {
            outgoing.setChunked(true);
        }
        bodyStreamed = true;
        continueIfExpected();
        long limit = route.maxBodySize();
        request.handler(chunk -> {
            requestBytes += chunk.length();
            if (requestBytes > limit) {
                bodyTooLarge();
                return;
            }
            if (done) {
                return; // answered early (see finish): the rest of the body is read and dropped
            }
            outgoing.write(chunk, null);
            if (outgoing.writeQueueFull()) {
                request.pause();
                outgoing.drainHandler(v -> request.resume());
            }
        });
        request.endHandler(v -> {
            if (!done) {
                outgoing.end(this::onWritten);
                armResponseTimeout();
            } else if (droppingBody) {
                // The response already said Connection: close; the body it did not need is now read.
                request.connection().close();
            }
        });
        request.resume();
    }

    private void bodyTooLarge() {
        request.handler(null);
        completeLease(Outcome.CLIENT_ABORT);
        // Answer first: once finished, the failure the reset causes upstream is ignored.
        if (!responseStarted) {
            response.putHeader(HeaderNames.CONNECTION, "close");
            fail(413, "body-too-large", "Content Too Large", "The request body exceeds the limit of "
                    + route.maxBodySize() + " bytes", null);
        } else {
            response.reset();
            finish(413);
        }
        if (upstreamRequest != null) {
            upstreamRequest.reset();
        }
    }

    private void onWritten(AsyncResult<Void> result) {
        if (result.succeeded()) {
            requestWritten = true;
        }
    }

    private void armResponseTimeout() {
        sentNanos = System.nanoTime();
        long millis = route.timeouts().responseHeadersMillis();
        // The upstream connection's idle timeout already enforces the longest response-headers timeout of the
        // upstream's routes; a per-request timer is only needed when this route wants less.
        if (millis > 0 && upstreamRequest != null && millis < proxy.connectionIdleMillis(upstream)) {
            upstreamRequest.idleTimeout(millis);
        }
    }

    private void onResponse(AsyncResult<HttpClientResponse> result) {
        if (done) {
            if (result.succeeded() && upstreamRequest != null) {
                upstreamRequest.reset();
            }
            return;
        }
        if (result.failed()) {
            long headersMillis = route.timeouts().responseHeadersMillis();
            // A connection closed by its idle timeout while waiting for the head is a timeout too.
            boolean timeout = result.cause() instanceof TimeoutException || (headersMillis > 0 && sentNanos != 0
                    && System.nanoTime() - sentNanos >= headersMillis * 1_000_000L);
            completeLease(timeout ? Outcome.TIMEOUT : Outcome.GATEWAY_FAILURE);
            // Written or not: a reset on a reused connection before the write completed is still provably unsent.
            tryFailed(!requestWritten && !bodyStreamed, timeout ? 504 : 502);
            return;
        }
        HttpClientResponse incoming = result.result();
        int code = incoming.statusCode();
        if (route.retries().retriesStatus(code) && canRetry(false)) {
            completeLease(Outcome.ofStatus(code));
            status = code;
            lastTryUnsent = false;
            incoming.handler(null);
            incoming.resume();
            retry();
            return;
        }
        forward(incoming, code);
    }

    private void tryFailed(boolean provablyUnsent, int failureStatus) {
        status = failureStatus;
        lastTryUnsent = provablyUnsent;
        if (canRetry(provablyUnsent)) {
            retry();
            return;
        }
        if (failureStatus == 503) {
            response.putHeader(HeaderNames.RETRY_AFTER, "1");
            fail(503, "upstream-saturated", "Service Unavailable", "Upstream '" + upstream.name()
                    + "' has too many pending requests; retry later", null);
        } else if (failureStatus == 504) {
            fail(504, "upstream-timeout", "Gateway Timeout", "Upstream '" + upstream.name()
                    + "' did not answer in time", null);
        } else {
            fail(502, "upstream-failure", "Bad Gateway", "Upstream '" + upstream.name()
                    + "' failed to answer", null);
        }
    }

    /**
     * Never after a byte went to the client; any method when the request provably never reached the upstream
     * (and its body is still available); otherwise only idempotent requests whose body can be replayed.
     */
    private boolean canRetry(boolean provablyUnsent) {
        if (responseStarted || done || tries >= route.retries().maxTries()) {
            return false;
        }
        boolean replayable = !hasBody || body != null;
        if (provablyUnsent) {
            return replayable || !bodyStreamed;
        }
        return idempotent && replayable;
    }

    private void retry() {
        RetrySettings retries = route.retries();
        if (!inRetryBudget) {
            if (!upstream.tryStartRetry(retries.budgetPercent(), retries.budgetMinConcurrency())) {
                meters.retryBudgetExhausted();
                tries = retries.maxTries();
                tryFailedWithoutRetry();
                return;
            }
            inRetryBudget = true;
        }
        if (leaseEndpoint != null) {
            avoid(leaseEndpoint);
        }
        upstreamRequest = null;
        meters.retried();
        proxy.vertx.setTimer(backoffMillis(tries, retries), id -> attempt());
    }

    private void tryFailedWithoutRetry() {
        if (status == 503 || status == 504 || status == 502) {
            tryFailed(false, status);
        } else {
            fail(502, "upstream-failure", "Bad Gateway", "Upstream '" + upstream.name() + "' failed to answer",
                    null);
        }
    }

    /** Full-jitter exponential backoff (Envoy): uniform in [1, min(max, base * 2^(retry-1))] milliseconds. */
    static long backoffMillis(int retry, RetrySettings retries) {
        long ceiling = retries.backoffBaseMillis() << Math.min(20, Math.max(0, retry - 1));
        ceiling = Math.min(ceiling, retries.backoffMaxMillis());
        return ceiling <= 1 ? 1 : 1 + ThreadLocalRandom.current().nextLong(ceiling);
    }

    private void forward(HttpClientResponse incoming, int code) {
        responseStarted = true;
        upstreamResponse = incoming;
        status = code;
        response.setStatusCode(code);
        String message = incoming.statusMessage();
        // Only a non-standard reason phrase needs copying; the standard one is what Vert.x writes anyway.
        if (message != null && !message.equals(HttpResponseStatus.valueOf(code).reasonPhrase())) {
            response.setStatusMessage(message);
        }
        MultiMap headers = response.headers();
        HopByHopHeaders.copy(incoming.headers(), headers);
        headers.set(proxy.requestIdHeader, requestId);
        if (bodyStreamed && !request.isEnded()) {
            // The upstream answers before it read the whole body (an early 413, or a 200 that ignores it): this
            // connection cannot carry another request until that body is read, so the client is told to close it.
            headers.set(HeaderNames.CONNECTION, "close");
        }
        boolean mayHaveBody = request.method() != HttpMethod.HEAD && code != 204 && code != 304 && code >= 200;
        boolean streaming = mayHaveBody && !headers.contains(HeaderNames.CONTENT_LENGTH);
        meters.firstByte(System.nanoTime() - startNanos);
        lastDataNanos = System.nanoTime();
        if (streaming && route.timeouts().idleMillis() > 0) {
            // Per-request idle timer only for streams (SSE, NDJSON, chunked); a body of known length that stalls
            // is caught by the connection idle timeout of the upstream client, at no per-request cost.
            cancelTimer();
            scheduleTimer();
        }
        incoming.exceptionHandler(this::upstreamBroke);
        incoming.endHandler(v -> {
            if (!done) {
                response.end();
                finishWithLease(Outcome.ofStatus(code), code);
            }
        });
        if (streaming) {
            // Unknown length (SSE, NDJSON, chunked): send the head now and flush every chunk as it arrives.
            response.setChunked(true);
            response.writeHead();
        }
        incoming.handler(chunk -> {
            lastDataNanos = System.nanoTime();
            responseBytes += chunk.length();
            response.write(chunk, null);
            if (response.writeQueueFull()) {
                incoming.pause();
                response.drainHandler(v -> incoming.resume());
            }
        });
    }

    private void upstreamBroke(Throwable cause) {
        if (done) {
            return;
        }
        // Bytes already reached the client, so no status can be sent: cut the client connection so it sees a
        // truncated response instead of a silently short one.
        boolean timeout = cause instanceof TimeoutException;
        response.reset();
        finishWithLease(timeout ? Outcome.TIMEOUT : Outcome.GATEWAY_FAILURE, timeout ? 504 : 502);
    }

    private void onWebSocketResponse(AsyncResult<HttpClientResponse> result) {
        if (done) {
            if (result.succeeded()) {
                result.result().netSocket().close();
            }
            return;
        }
        if (result.failed()) {
            completeLease(Outcome.GATEWAY_FAILURE);
            tryFailed(true, 502);
            return;
        }
        HttpClientResponse upgraded = result.result();
        if (upgraded.statusCode() != 101) {
            completeLease(Outcome.ofStatus(upgraded.statusCode()));
            fail(502, "upgrade-refused", "Bad Gateway", "Upstream '" + upstream.name()
                    + "' refused the WebSocket upgrade with status " + upgraded.statusCode(), null);
            return;
        }
        responseStarted = true;
        status = 101;
        response.setStatusCode(101);
        response.headers().addAll(upgraded.headers());
        response.headers().set(proxy.requestIdHeader, requestId);
        request.toNetSocket(socket -> {
            if (socket.failed()) {
                upgraded.netSocket().close();
                finishWithLease(Outcome.CLIENT_ABORT, 101);
                return;
            }
            NetSocket client = socket.result();
            NetSocket origin = upgraded.netSocket();
            // The lease stays open for the life of the tunnel: an open WebSocket is load (apisix #7301).
            client.pipeTo(origin);
            origin.pipeTo(client);
            client.closeHandler(v -> {
                origin.close();
                finishWithLease(Outcome.SUCCESS, 101);
            });
            origin.closeHandler(v -> {
                client.close();
                finishWithLease(Outcome.SUCCESS, 101);
            });
        });
    }

    private void clientClosed() {
        if (done) {
            return;
        }
        HttpClientRequest pending = upstreamRequest;
        if (status == 101) {
            // The upgrade was accepted: a closing connection ends the tunnel, it is not an aborted request.
            // (On Vert.x 4.5 the tunnel's own close handlers usually run first; this keeps the order irrelevant.)
            finishWithLease(Outcome.SUCCESS, 101);
            return;
        }
        finishWithLease(Outcome.CLIENT_ABORT, 499);
        if (pending != null) {
            pending.reset();
        }
    }

    private void scheduleTimer() {
        long now = System.nanoTime();
        long next = Long.MAX_VALUE;
        if (totalDeadline != 0) {
            next = totalDeadline - now;
        }
        long idleNanos = route.timeouts().idleMillis() * 1_000_000L;
        if (responseStarted && idleNanos > 0) {
            next = Math.min(next, lastDataNanos + idleNanos - now);
        }
        if (next == Long.MAX_VALUE) {
            return;
        }
        timer = proxy.vertx.setTimer(Math.max(1, next / 1_000_000L + 1), this::onTimer);
    }

    private void onTimer(long id) {
        timer = -1;
        if (done) {
            return;
        }
        long now = System.nanoTime();
        long idleNanos = route.timeouts().idleMillis() * 1_000_000L;
        boolean total = totalDeadline != 0 && now >= totalDeadline;
        boolean idle = responseStarted && idleNanos > 0 && now - lastDataNanos >= idleNanos;
        if (!total && !idle) {
            scheduleTimer();
            return;
        }
        HttpClientRequest pending = upstreamRequest;
        // Answer first, reset after: once finished, the failure the reset causes upstream is ignored.
        if (responseStarted) {
            response.reset();
            finishWithLease(Outcome.TIMEOUT, 504);
        } else {
            completeLease(Outcome.TIMEOUT);
            fail(504, "upstream-timeout", "Gateway Timeout", "Route '" + route.name()
                    + "' exceeded its total timeout of " + route.timeouts().totalMillis() + " ms", null);
        }
        if (pending != null) {
            pending.reset();
        }
    }

    private void cancelTimer() {
        if (timer != -1) {
            proxy.vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    private void completeLease(Outcome outcome) {
        Lease current = lease;
        if (current != null) {
            lease = null;
            current.complete(outcome);
        }
    }

    private void fail(int code, String slug, String title, String detail, Outcome outcome) {
        if (done) {
            return;
        }
        if (outcome != null) {
            completeLease(outcome);
        }
        response.headers().set(proxy.requestIdHeader, requestId);
        if (request.isEnded() || !hasBody) {
            Problem.send(response, code, slug, title, detail, route.name(), requestId);
        } else {
            // The client may still be sending a body we will not read; answer and close rather than drain it.
            response.putHeader(HeaderNames.CONNECTION, "close");
            Problem.send(response, code, slug, title, detail, route.name(), requestId);
            request.resume();
        }
        finishWithLease(Outcome.CLIENT_ABORT, code);
    }

    private void finishWithLease(Outcome outcome, int code) {
        completeLease(outcome);
        finish(code);
    }

    private void finish(int code) {
        if (done) {
            return;
        }
        done = true;
        cancelTimer();
        completeLease(Outcome.CLIENT_ABORT);
        if (bodyStreamed && !request.isEnded() && !response.closed()) {
            // Answered while the client is still uploading: the upstream request can never complete, so it is reset
            // (its connection must not go back to the pool half-sent), and the client's remaining body is read and
            // dropped instead of stalling on a paused stream (no hang, no leaked connection).
            droppingBody = true;
            if (upstreamRequest != null) {
                upstreamRequest.reset();
            }
            request.resume();
        }
        if (inRetryBudget) {
            upstream.retryEnded();
        }
        upstream.requestEnded();
        meters.completed(code, startNanos, System.nanoTime(), requestBytes, responseBytes);
    }

    private static void ignore(Throwable failure) {
    }

    static String cookie(String header, String name) {
        if (header == null) {
            return null;
        }
        int from = 0;
        int length = header.length();
        while (from < length) {
            int end = header.indexOf(';', from);
            if (end < 0) {
                end = length;
            }
            int start = from;
            while (start < end && header.charAt(start) == ' ') {
                start++;
            }
            int eq = header.indexOf('=', start);
            if (eq > 0 && eq < end && eq - start == name.length() && header.regionMatches(start, name, 0,
                    name.length())) {
                return header.substring(eq + 1, end).trim();
            }
            from = end + 1;
        }
        return null;
    }
}
