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
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.vertx.core.AsyncResult;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetSocket;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * One client request on its way through the gateway: picks an endpoint through the library, streams the body both
 * ways with backpressure, retries by the nginx/Envoy/HAProxy consensus (any method when the request provably never
 * left, idempotent ones on chosen statuses and timeouts, never after the first byte reached the client) and
 * completes the lease exactly once on every path. Lives on one event loop, so its fields need no synchronisation.
 */
final class ProxyExchange implements UpstreamConnection.Listener {

    private final ProxyHandler proxy;
    /** The request's event-loop context: timers fire on it (Netty callbacks run outside any Vert.x dispatch). */
    private final ContextInternal context;
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
    /** The WebSocket upgrade's request (Vert.x client); HTTP requests go through {@link #call}. */
    private HttpClientRequest upstreamRequest;
    private UpstreamConnection.Call call;
    private boolean requestWritten;
    /** The current try runs on a pooled keep-alive connection that carried an earlier request. */
    private boolean callReused;
    /**
     * The endpoint whose pooled connection turned out stale before the last try's request left: it may have one more
     * try on a fresh connection when no untried endpoint is left. Null otherwise.
     */
    private String staleEndpoint;
    /** The latest try's connection acquisition while it is under way (see {@link UpstreamConnections.Pending}). */
    private UpstreamConnections.Pending acquiring;
    /** Why the last try found no free connection, for the 503 (null: the wait queue was full). */
    private String busyDetail;
    /** The client's upload is paused because the upstream connection's write queue is full (the upstream's pace). */
    private boolean uploadPaused;
    /** Reading the response is paused because the client's write queue is full (the client's pace). */
    private boolean downloadPaused;
    /** The route's idle timer runs: an HTTP response of unknown length after its head. */
    private boolean idleTimed;
    private boolean responseStarted;
    private boolean inRetryBudget;
    private boolean done;
    /** The exchange ended before the client finished its body; the rest is read and dropped. */
    private boolean droppingBody;
    private int status;
    private long requestBytes;
    private long responseBytes;
    private long timer = -1;
    /** The response-headers timer of a WebSocket upgrade (HTTP requests have theirs on the upstream call). */
    private long upgradeTimer = -1;
    /** The two ends of an accepted WebSocket upgrade, once both are sockets. */
    private NetSocket tunnelClient;
    private NetSocket tunnelOrigin;
    private long totalDeadline;
    private long lastDataNanos;
    private long sentNanos;

    ProxyExchange(ProxyHandler proxy, HttpServerRequest request, RouteSettings route, UpstreamRuntime upstream,
                  CharSequence requestId, String path) {
        this.proxy = proxy;
        this.context = (ContextInternal) proxy.vertx.getOrCreateContext();
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
        peer = ProxyHandler.peer(request);
        clientIp = proxy.clientIp(request, peer);
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
        Lease picked = pick(tried);
        String stale = staleEndpoint;
        staleEndpoint = null;
        if (picked == null && stale != null && tried != null) {
            // Every other endpoint was tried, but the last try met a pooled keep-alive connection the endpoint had
            // just closed, and its request provably never left: one try on a fresh connection to that same endpoint
            // is safe. Only that endpoint comes back; one that answered or failed stays avoided.
            Set<String> others = new HashSet<>(tried);
            others.remove(stale);
            picked = pick(others);
        }
        boolean rejected = false;
        int cap = upstream.settings().maxConnectionsPerEndpoint() + upstream.settings().maxPendingPerEndpoint();
        while (picked != null && picked.endpoint().inFlight() > cap) {
            // Circuit breaker: this endpoint is full. Give the lease back without health impact, try another one.
            rejected = true;
            avoid(picked.endpoint().id());
            picked.cancel();
            picked = pick(tried);
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
            } else if (status == 503) {
                // The last try found the gateway's own connection pool full: still the gateway's saturation.
                failSaturated();
            } else {
                fail(status == 504 ? 504 : 502, status == 504 ? "upstream-timeout" : "upstream-failure",
                        status == 504 ? "Gateway Timeout" : "Bad Gateway",
                        "No endpoint of upstream '" + upstream.name() + "' is left to retry on", null);
            }
            return;
        }
        busyDetail = null;
        lease = picked;
        leaseEndpoint = picked.endpoint().id();
        requestWritten = false;
        if (isWebSocketUpgrade()) {
            // target(): to the endpoint's address; over TLS with a server-name, SNI and verification use that name.
            RequestOptions options = upstream.settings().tls().target(new RequestOptions(),
                            upstream.address(picked.endpoint()))
                    .setMethod(request.method())
                    .setURI(uri)
                    .setConnectTimeout(route.timeouts().connectMillis());
            proxy.clients.client(upstream).request(options, this::onWebSocketRequest);
            return;
        }
        // Back on the endpoint whose pooled connection was stale: a new connection, not another pooled one.
        boolean fresh = leaseEndpoint.equals(stale);
        acquiring = proxy.clients.connections(upstream, context).acquire(leaseEndpoint, picked.endpoint().host(),
                picked.endpoint().port(), route.timeouts().connectMillis(), fresh, this::onConnection);
    }

    private Lease pick(Set<String> avoid) {
        String hashKey = null;
        var settings = upstream.settings();
        if (settings.hashHeader() != null) {
            hashKey = request.getHeader(settings.hashHeader());
        } else if (settings.hashCookie() != null) {
            hashKey = cookie(request.getHeader(HeaderNames.COOKIE), settings.hashCookie());
        }
        return upstream.pool().pick(new PickContext(clientIp, hashKey, avoid == null ? Set.of() : avoid));
    }

    private void avoid(String endpointId) {
        if (tried == null) {
            tried = new HashSet<>(4);
        }
        tried.add(endpointId);
    }

    /** Failing to get a connection (or a WebSocket request) means the request provably did not reach the upstream. */
    private void noConnection(Throwable cause) {
        boolean busy = cause instanceof UpstreamConnections.PoolBusyException
                || cause instanceof ConnectionPoolTooBusyException;
        boolean timeout = cause instanceof TimeoutException;
        if (busy) {
            proxy.metrics.rejected(upstream.name());
            if (cause instanceof UpstreamConnections.QueueTimeoutException) {
                busyDetail = "No connection to an endpoint of upstream '" + upstream.name() + "' was free within "
                        + route.timeouts().connectMillis() + " ms; retry later";
            }
        }
        if (busy) {
            // Never sent, and waiting on the gateway's own connection limit is not the endpoint's doing.
            cancelLease();
        } else {
            completeLease(timeout ? Outcome.TIMEOUT : Outcome.GATEWAY_FAILURE);
        }
        tryFailed(true, busy ? 503 : timeout ? 504 : 502);
    }

    private void onConnection(UpstreamConnection connection, Throwable failure) {
        if (failure != null) {
            noConnection(failure);
            return;
        }
        if (done) {
            connection.unused(); // answered while waiting (client gone, total timeout): the connection is clean
            return;
        }
        UpstreamConnection.Call outgoing = connection.begin(this);
        call = outgoing;
        callReused = outgoing.reused();
        HeadersMultiMap headers = HeadersMultiMap.httpHeaders();
        HopByHopHeaders.copy(request.headers(), headers);
        headers.remove(HeaderNames.EXPECT);
        if (!route.preserveHost() || !headers.contains(HeaderNames.HOST)) {
            // As the Vert.x client did: the authority the connection is for (the TLS server name when one is set).
            var tls = upstream.settings().tls();
            String host = tls.enabled() && tls.serverName() != null ? tls.serverName() : lease.endpoint().host();
            int port = lease.endpoint().port();
            String name = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
            headers.set(HeaderNames.HOST, port == (tls.enabled() ? 443 : 80) ? name : name + ":" + port);
        }
        appendForwarding(headers);
        if (!hasBody || body != null) {
            ByteBuf content = Unpooled.EMPTY_BUFFER;
            // Idempotent or not: a request that was written is not "provably unsent", which decides whether the
            // endpoint it went to may be tried again (only a stale pooled connection allows that).
            Handler<Boolean> written = this::onWritten;
            if (body != null) {
                headers.set(HeaderNames.CONTENT_LENGTH, String.valueOf(body.length()));
                requestBytes = body.length();
                content = body.getByteBuf();
            }
            outgoing.request(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, request.method().toNetty(), uri,
                    content, headers, EmptyHttpHeaders.INSTANCE), written);
            armResponseTimeout();
        } else {
            // The framing is the gateway's own, never copied: a Connection header that names Content-Length makes
            // the copy drop it, and a body sent without a length would be read upstream as a next request.
            if (contentLength >= 0) {
                headers.set(HeaderNames.CONTENT_LENGTH, String.valueOf(contentLength));
            } else {
                headers.set(HeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
            // Not flushed: it leaves with the first chunk, so a body refused at once (413) never reaches the upstream.
            outgoing.head(new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method().toNetty(), uri, headers),
                    false);
            streamRequestBody(outgoing);
        }
    }

    private void appendForwarding(MultiMap headers) {
        String host = request.getHeader(HeaderNames.HOST);
        boolean peerTrusted = proxy.hasTrustedProxies
                && (request.getHeader(HeaderNames.X_FORWARDED_PROTO) != null || request.getHeader(HeaderNames.X_FORWARDED_HOST) != null)
                && proxy.clientIp.isTrusted(peer);
        ForwardedHeaders.append(headers, peer, request.scheme(), host, peerTrusted);
        headers.set(proxy.requestIdHeader, requestId);
    }

    private void onWebSocketRequest(AsyncResult<HttpClientRequest> result) {
        if (result.failed()) {
            noConnection(result.cause());
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
        headers.addAll(request.headers());
        if (!route.preserveHost()) {
            headers.remove(HeaderNames.HOST);
        }
        appendForwarding(headers);
        outgoing.connect(response -> onWebSocketResponse(outgoing, response));
        // The upgrade's answer is a response head like any other: the route's response-headers timeout applies.
        long millis = route.timeouts().responseHeadersMillis();
        if (millis > 0) {
            upgradeTimer = context.setTimer(millis, id -> upgradeTimedOut(outgoing));
        }
    }

    private void upgradeTimedOut(HttpClientRequest sent) {
        upgradeTimer = -1;
        if (done || upstreamRequest != sent) {
            return;
        }
        upstreamRequest = null;
        sent.reset();
        completeLease(Outcome.TIMEOUT);
        tryFailed(false, 504);
    }

    private void cancelUpgradeTimer() {
        if (upgradeTimer != -1) {
            proxy.vertx.cancelTimer(upgradeTimer);
            upgradeTimer = -1;
        }
    }

    private void streamRequestBody(UpstreamConnection.Call outgoing) {
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
            outgoing.write(chunk);
            if (outgoing.writeQueueFull()) {
                // The upstream reads slower than the client sends: a stall from here on is the upstream's.
                request.pause();
                uploadPaused = true;
                outgoing.drainHandler(v -> {
                    uploadPaused = false;
                    request.resume();
                });
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
        resetUpstream();
    }

    private void onWritten(boolean written) {
        if (written) {
            requestWritten = true;
        }
    }

    /**
     * Takes the request out of the gateway's own queue for a connection if it still waits there: true then (no
     * connection attempt was made for it, so the endpoint never saw it), false once it connected or was answered.
     */
    private boolean leaveConnectionQueue() {
        UpstreamConnections.Pending queued = acquiring;
        if (queued == null) {
            return false;
        }
        acquiring = null;
        return queued.withdraw();
    }

    /**
     * Abandons the upstream request in flight, if any: its connection is closed, never reused half-way. A request
     * still waiting in the gateway's own queue for a connection leaves it, so its place goes to the next request
     * instead of staying taken until a connection is handed to an exchange that is over.
     */
    private void resetUpstream() {
        leaveConnectionQueue();
        UpstreamConnection.Call pending = call;
        if (pending != null) {
            call = null;
            pending.reset();
        }
        HttpClientRequest webSocket = upstreamRequest;
        if (webSocket != null) {
            upstreamRequest = null;
            webSocket.reset();
        }
    }

    private void armResponseTimeout() {
        sentNanos = System.nanoTime();
        long millis = route.timeouts().responseHeadersMillis();
        // The upstream connection's idle timeout already enforces the longest response-headers timeout of the
        // upstream's routes; a per-request timer is only needed when this route wants less. An upstream that
        // answered before the upload ended has its head already: no timer (the call ignores one too).
        if (millis > 0 && call != null && !responseStarted && millis < proxy.connectionIdleMillis(upstream)) {
            call.timeout(millis);
        }
    }

    @Override
    public void onHead(UpstreamResponseHead head) {
        if (done) {
            resetUpstream();
            return;
        }
        int code = head.status();
        if (route.retries().retriesStatus(code) && canRetry(false)) {
            completeLease(Outcome.ofStatus(code));
            status = code;
            UpstreamConnection.Call retried = call;
            call = null;
            retried.discard(); // the rest of this answer is read and dropped; the connection stays usable
            retry();
            return;
        }
        forward(head, code);
    }

    @Override
    public void onFailure(Throwable cause) {
        UpstreamConnection.Call failed = call;
        call = null;
        if (done) {
            return;
        }
        if (responseStarted) {
            upstreamBroke(cause);
            return;
        }
        long headersMillis = route.timeouts().responseHeadersMillis();
        // A connection closed by its idle timeout while waiting for the head is a timeout too.
        boolean timeout = cause instanceof TimeoutException || (headersMillis > 0 && sentNanos != 0
                && System.nanoTime() - sentNanos >= headersMillis * 1_000_000L);
        if (timeout && clientUploading()) {
            // The connection went idle because the client stopped sending its body, not because of the upstream.
            clientUploadStalled("the client stopped sending it");
            return;
        }
        boolean unsent = !requestWritten && !bodyStreamed;
        // RFC 9110 9.2.2: a client may repeat an idempotent request automatically when its connection closes
        // before any response, as browsers do on a reused connection.
        boolean repeatable = idempotent && (!hasBody || body != null);
        if (callReused && !timeout && (unsent || repeatable && keepAliveRace(failed, cause))) {
            // A pooled keep-alive connection the endpoint closed just as it was reused (the keep-alive race): the
            // request never left, or may safely be sent again, and the endpoint did nothing wrong. Its lease is
            // given back unused, and the endpoint may have one more try, on a fresh connection (see attempt); a
            // fresh connection that fails the same way is not reused, so it counts against the endpoint.
            cancelLease();
            staleEndpoint = leaseEndpoint;
        } else {
            completeLease(timeout ? Outcome.TIMEOUT : Outcome.GATEWAY_FAILURE);
        }
        tryFailed(unsent, timeout ? 504 : 502);
    }

    /**
     * What a pooled connection the upstream closed as it was reused looks like: closed or reset before a single
     * response byte arrived. A malformed answer, a TLS failure or a close after part of the head is the endpoint's.
     */
    private static boolean keepAliveRace(UpstreamConnection.Call failed, Throwable cause) {
        if (failed == null || failed.answered()) {
            return false;
        }
        return cause instanceof UpstreamConnection.ConnectionClosedException
                || cause instanceof IOException && !(cause instanceof SSLException)
                        && !(cause instanceof UpstreamResponseParser.MalformedResponseException);
    }

    /**
     * The client is sending a streamed body and the gateway is waiting for it (not pausing it for the upstream's
     * sake): silence now is the client's.
     */
    private boolean clientUploading() {
        return bodyStreamed && !request.isEnded() && !uploadPaused && !droppingBody;
    }

    /** The client's upload stalled (nginx client_body_timeout): 408, and nothing against the endpoint. */
    private void clientUploadStalled(String why) {
        completeLease(Outcome.CLIENT_ABORT);
        resetUpstream();
        fail(408, "request-timeout", "Request Timeout", "The request body did not arrive in time: " + why, null);
    }

    @Override
    public void onData(Buffer chunk) {
        if (done) {
            return;
        }
        lastDataNanos = System.nanoTime();
        responseBytes += chunk.length();
        response.write(chunk, null);
        if (response.writeQueueFull()) {
            // The client reads slower than the upstream sends: stop reading the upstream until it caught up. The
            // wait is the client's, so neither the connection's idle sweep nor the route's idle timer counts it.
            UpstreamConnection.Call incoming = call;
            incoming.pause();
            downloadPaused = true;
            response.drainHandler(v -> {
                downloadPaused = false;
                lastDataNanos = System.nanoTime();
                incoming.resume();
                if (idleTimed && !done) {
                    cancelTimer();
                    scheduleTimer();
                }
            });
        }
    }

    @Override
    public void onEnd(Buffer last) {
        call = null;
        if (!done) {
            if (last == null) {
                response.end();
            } else {
                responseBytes += last.length();
                response.end(last); // head, body and end in one write: one send per small response
            }
            finishWithLease(Outcome.ofStatus(status), status);
        }
    }

    private void tryFailed(boolean provablyUnsent, int failureStatus) {
        status = failureStatus;
        if (canRetry(provablyUnsent)) {
            retry();
            return;
        }
        if (failureStatus == 503) {
            failSaturated();
        } else if (failureStatus == 504) {
            fail(504, "upstream-timeout", "Gateway Timeout", "Upstream '" + upstream.name()
                    + "' did not answer in time", null);
        } else {
            fail(502, "upstream-failure", "Bad Gateway", "Upstream '" + upstream.name()
                    + "' failed to answer", null);
        }
    }

    /** The gateway's own connections to the upstream are all taken: 503 with Retry-After. */
    private void failSaturated() {
        response.putHeader(HeaderNames.RETRY_AFTER, "1");
        fail(503, "upstream-saturated", "Service Unavailable", busyDetail != null ? busyDetail
                : "Upstream '" + upstream.name() + "' has too many pending requests; retry later", null);
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
        call = null;
        meters.retried();
        context.setTimer(backoffMillis(tries, retries), id -> attempt());
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

    private void forward(UpstreamResponseHead incoming, int code) {
        responseStarted = true;
        status = code;
        String standardReason = "OK";
        if (code != 200) {
            // A fresh response is 200 OK already: no lock and no status lookup for the usual case.
            response.setStatusCode(code);
            standardReason = HttpResponseStatus.valueOf(code).reasonPhrase();
        }
        AsciiString message = incoming.reason();
        // Only a non-standard reason phrase needs copying; the standard one is what Vert.x writes anyway.
        if (!message.contentEquals(standardReason)) {
            response.setStatusMessage(message.toString());
        }
        MultiMap headers = response.headers();
        HopByHopHeaders.copy(incoming, headers);
        headers.set(proxy.requestIdHeader, requestId);
        if (bodyStreamed && !request.isEnded()) {
            // The upstream answers before it read the whole body (an early 413, or a 200 that ignores it): this
            // connection cannot carry another request until that body is read, so the client is told to close it.
            headers.set(HeaderNames.CONNECTION, "close");
        }
        boolean mayHaveBody = request.method() != HttpMethod.HEAD && code != 204 && code != 304 && code >= 200;
        boolean streaming = mayHaveBody && !headers.contains(HeaderNames.CONTENT_LENGTH);
        long now = System.nanoTime();
        meters.firstByte(now - startNanos);
        lastDataNanos = now;
        if (streaming && route.timeouts().idleMillis() > 0) {
            // Per-request idle timer only for streams (SSE, NDJSON, chunked); a body of known length that stalls
            // is caught by the connection idle timeout of the upstream client, at no per-request cost.
            idleTimed = true;
            cancelTimer();
            scheduleTimer();
        }
        if (streaming) {
            // Unknown length (SSE, NDJSON, chunked): send the head now and flush every chunk as it arrives.
            response.setChunked(true);
            response.writeHead();
        }
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

    private void onWebSocketResponse(HttpClientRequest sent, AsyncResult<HttpClientResponse> result) {
        if (done || sent != upstreamRequest) {
            // Answered after the exchange ended or after its response-headers timeout gave up on this try.
            if (result.succeeded()) {
                result.result().netSocket().close();
            }
            return;
        }
        cancelUpgradeTimer();
        if (result.failed()) {
            upstreamRequest = null;
            boolean timeout = result.cause() instanceof TimeoutException;
            completeLease(timeout ? Outcome.TIMEOUT : Outcome.GATEWAY_FAILURE);
            tryFailed(!timeout, timeout ? 504 : 502);
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
            if (socket.failed() || done) {
                // The client went, or the total timeout ended the exchange while the tunnel was being set up.
                upgraded.netSocket().close();
                if (socket.succeeded()) {
                    socket.result().close();
                }
                finishWithLease(Outcome.CLIENT_ABORT, 101);
                return;
            }
            NetSocket client = socket.result();
            NetSocket origin = upgraded.netSocket();
            tunnelClient = client;
            tunnelOrigin = origin;
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
        if (status == 101) {
            // The upgrade was accepted: a closing connection ends the tunnel, it is not an aborted request.
            // (On Vert.x 4.5 the tunnel's own close handlers usually run first; this keeps the order irrelevant.)
            finishWithLease(Outcome.SUCCESS, 101);
            return;
        }
        if (leaveConnectionQueue()) {
            // The endpoint never saw the request, so the lease is given back, not completed (a trial request after
            // fail_timeout then neither passes nor fails).
            cancelLease();
        }
        finishWithLease(Outcome.CLIENT_ABORT, 499);
        resetUpstream();
    }

    private void scheduleTimer() {
        long now = System.nanoTime();
        long next = Long.MAX_VALUE;
        if (totalDeadline != 0) {
            next = totalDeadline - now;
        }
        long idleNanos = route.timeouts().idleMillis() * 1_000_000L;
        if (idleTimed && !downloadPaused && idleNanos > 0) {
            next = Math.min(next, lastDataNanos + idleNanos - now);
        }
        if (next == Long.MAX_VALUE) {
            return;
        }
        timer = context.setTimer(Math.max(1, next / 1_000_000L + 1), this::onTimer);
    }

    private void onTimer(long id) {
        timer = -1;
        if (done) {
            return;
        }
        long now = System.nanoTime();
        long idleNanos = route.timeouts().idleMillis() * 1_000_000L;
        boolean total = totalDeadline != 0 && now >= totalDeadline;
        // Only a stream the gateway is reading: time spent waiting for the client to drain is not upstream silence.
        boolean idle = idleTimed && !downloadPaused && idleNanos > 0 && now - lastDataNanos >= idleNanos;
        if (!total && !idle) {
            scheduleTimer();
            return;
        }
        // Answer first, reset after: once finished, the failure the reset causes upstream is ignored.
        if (idle) {
            // The upstream went silent in the middle of its stream: its failure.
            response.reset();
            finishWithLease(Outcome.TIMEOUT, 504);
        } else if (responseStarted) {
            // The total timeout cuts a response that was flowing (a long stream, an open WebSocket): the route's own
            // limit. The endpoint answered in time, so nothing counts against it (Envoy counts a timeout against the
            // host only while waiting for the head).
            if (status == 101) {
                closeTunnel();
            } else {
                response.reset();
            }
            finishWithLease(Outcome.LOCAL_LIMIT, status == 101 ? 101 : 504);
        } else if (clientUploading()) {
            clientUploadStalled("the route's total timeout of " + route.timeouts().totalMillis()
                    + " ms passed while the client was still sending it");
        } else if (leaveConnectionQueue()) {
            // Still in the gateway's own queue for a connection: the endpoint was never asked, so nothing counts
            // against it (a TCP connect under way is the endpoint's, as below).
            cancelLease();
            fail(504, "upstream-timeout", "Gateway Timeout", "Route '" + route.name() + "' exceeded its total "
                    + "timeout of " + route.timeouts().totalMillis() + " ms while waiting for a free connection to "
                    + "an endpoint of upstream '" + upstream.name() + "' (the gateway's own connection limit)", null);
        } else {
            completeLease(Outcome.TIMEOUT);
            fail(504, "upstream-timeout", "Gateway Timeout", "Route '" + route.name()
                    + "' exceeded its total timeout of " + route.timeouts().totalMillis() + " ms", null);
        }
        resetUpstream();
    }

    /** Ends an accepted WebSocket tunnel from the gateway's side; its close handlers then find the exchange done. */
    private void closeTunnel() {
        upstreamRequest = null; // the upgrade's request is the tunnel now: closing its sockets is how it ends
        if (tunnelClient != null) {
            tunnelClient.close();
        }
        if (tunnelOrigin != null) {
            tunnelOrigin.close();
        }
    }

    private void cancelTimer() {
        if (timer != -1) {
            proxy.vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    private void cancelLease() {
        Lease current = lease;
        if (current != null) {
            lease = null;
            current.cancel();
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
        cancelUpgradeTimer();
        completeLease(Outcome.CLIENT_ABORT);
        if (bodyStreamed && !request.isEnded() && !response.closed()) {
            // Answered while the client is still uploading: the upstream request can never complete, so it is reset
            // (its connection must not go back to the pool half-sent), and the client's remaining body is read and
            // dropped instead of stalling on a paused stream (no hang, no leaked connection).
            droppingBody = true;
            resetUpstream();
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
