package dev.ballast.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.VertxByteBufAllocator;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One keep-alive HTTP/1.1 connection to an upstream endpoint, on the event loop that owns it, carrying one request
 * at a time (no pipelining). Netty's request encoder below it writes requests; responses are read by its own
 * {@link UpstreamResponseParser}; the exchange's {@link Listener} is above it.
 * Replaces the Vert.x HTTP client on the proxy path: its pool acquisition and stream set-up were 30 % of the gateway's
 * CPU, and a proxy on the Vert.x server with a bare Netty client ran at nginx's throughput where Vert.x server plus
 * client ran at 0.87 × (bench/README.md, session 5).
 * <p>
 * An exchange gets a {@link Call}, valid until the response ends, the exchange resets it or the connection fails;
 * after that every method of that call does nothing, so a late write can never reach the next request on the same
 * connection. A connection goes back to its pool only when both the request and the response ended cleanly and the
 * upstream did not ask to close.
 */
final class UpstreamConnection extends ChannelInboundHandlerAdapter implements UpstreamResponseParser.Sink {

    /** What an exchange hears from its upstream call; every method runs on the connection's event loop. */
    interface Listener {
        /** The final response head (interim 1xx heads are skipped). */
        void onHead(UpstreamResponseHead head);

        /** A chunk of the response body, in a heap buffer of its own. */
        void onData(Buffer chunk);

        /**
         * The response ended; the call is over. {@code last} is the body's last chunk when it came with the end
         * (a small response of known length usually arrives whole), else null: ending with it takes one write.
         */
        void onEnd(Buffer last);

        /** The connection failed or timed out before the response ended; the call is over. */
        void onFailure(Throwable cause);
    }

    /** The connection closed under a call (reset by the upstream, or closed before a complete response). */
    static final class ConnectionClosedException extends IOException {
        ConnectionClosedException(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // an expected event, reported by status and metrics: no stack to capture
        }
    }

    private static final TimeoutException IDLE = stackless("upstream connection idle timeout");
    private static final TimeoutException RESPONSE_TIMEOUT = stackless("upstream response headers timeout");

    private static TimeoutException stackless(String message) {
        return new TimeoutException(message) {
            @Override
            public synchronized Throwable fillInStackTrace() {
                return this;
            }
        };
    }

    final Channel channel;
    private final UpstreamConnections.EndpointConnections owner;
    private Call current;
    private final UpstreamResponseParser parser = new UpstreamResponseParser(this);
    /** The pool's sweep count when this connection last read or wrote, or went back to the pool. */
    long activeAt;
    /** Calls begun on this connection so far: a call after the first is on a reused keep-alive connection. */
    private int calls;
    /**
     * The exchange stopped reading the response because its client is slower (backpressure): the time until it
     * reads again is the client's, not the upstream's, so the idle sweep leaves the connection alone meanwhile.
     */
    boolean readPaused;

    /** True once a call has begun on this connection: given back, it is a pooled, not a new, connection. */
    boolean used() {
        return calls > 0;
    }

    UpstreamConnection(Channel channel, UpstreamConnections.EndpointConnections owner) {
        this.channel = channel;
        this.owner = owner;
    }

    /** Starts a call on this idle connection. */
    Call begin(Listener listener) {
        activeAt = owner.sweeps();
        Call call = new Call(listener, calls++ > 0);
        current = call;
        return call;
    }

    /** One request and its response on this connection. */
    final class Call {
        private final Listener listener;
        /** The connection carried an earlier call: it came from the keep-alive pool and may have gone stale. */
        private final boolean reused;
        private boolean requestEnded;
        private boolean headReceived;
        /** Some response bytes arrived: the upstream answered, however badly, so this is no keep-alive race. */
        private boolean answered;
        /** The rest of the response is read and dropped (the exchange retries elsewhere); then the connection is reused. */
        private boolean discarding;
        private Handler<Void> drainHandler;
        private ScheduledFuture<?> timeoutTask;

        private Call(Listener listener, boolean reused) {
            this.listener = listener;
            this.reused = reused;
        }

        /** True when this call runs on a pooled connection that carried an earlier call. */
        boolean reused() {
            return reused;
        }

        /** True once any response byte arrived for this call. */
        boolean answered() {
            return answered;
        }

        private boolean live() {
            return current == this;
        }

        /**
         * Writes the request head (not flushed unless {@code flush}). The caller sets the body's framing itself
         * (Content-Length or chunked): the codec writes whatever the head says.
         */
        void head(HttpRequest head, boolean flush) {
            if (!live()) {
                return;
            }
            activeAt = owner.sweeps();
            parser.expect(head.method() == HttpMethod.HEAD);
            if (flush) {
                channel.writeAndFlush(head, channel.voidPromise());
            } else {
                channel.write(head, channel.voidPromise());
            }
        }

        /**
         * Writes a whole request (head and, when it has one, its body) in one write and flushes it: one pass through
         * the encoder instead of two. {@code written} hears true once the whole request reached
         * the socket, false when it never did (the request provably did not leave); may be null.
         */
        void request(FullHttpRequest whole, Handler<Boolean> written) {
            if (!live()) {
                whole.release();
                return;
            }
            requestEnded = true;
            activeAt = owner.sweeps();
            parser.expect(whole.method() == HttpMethod.HEAD);
            if (written == null) {
                channel.writeAndFlush(whole, channel.voidPromise());
            } else {
                channel.writeAndFlush(whole).addListener((ChannelFutureListener) f -> written.handle(f.isSuccess()));
            }
        }

        /** Writes and flushes a chunk of the request body. */
        void write(Buffer chunk) {
            if (live()) {
                activeAt = owner.sweeps();
                channel.writeAndFlush(new DefaultHttpContent(chunk.getByteBuf()),
                        channel.voidPromise());
            }
        }

        /**
         * Ends a streamed request body and flushes. {@code written} hears true once the whole request reached the
         * socket, false when it never did (the request provably did not leave).
         */
        void end(Handler<Boolean> written) {
            if (!live()) {
                return;
            }
            requestEnded = true;
            activeAt = owner.sweeps();
            channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
                    .addListener((ChannelFutureListener) f -> written.handle(f.isSuccess()));
        }

        boolean writeQueueFull() {
            return live() && !channel.isWritable();
        }

        /** Called once when the connection can take more request body again. */
        void drainHandler(Handler<Void> handler) {
            drainHandler = handler;
        }

        /**
         * Stops reading the response (the client is slower than the upstream). Until {@link #resume} the connection
         * idle timeout does not run: the silence is the gateway's own.
         */
        void pause() {
            if (live()) {
                readPaused = true;
                channel.config().setAutoRead(false);
            }
        }

        void resume() {
            if (live()) {
                readPaused = false;
                activeAt = owner.sweeps(); // the idle clock starts over from here
                channel.config().setAutoRead(true);
                channel.read();
            }
        }

        /**
         * Fails the call with a timeout when the final response head has not arrived {@code millis} from now (the
         * head cancels it): for routes whose response-headers timeout is shorter than the connection's idle timeout.
         * Does nothing once the head arrived: an upstream may answer before the request body is over, and a timer
         * armed after that would cut a healthy response.
         */
        void timeout(long millis) {
            if (!live() || millis <= 0 || headReceived) {
                return;
            }
            timeoutTask = channel.eventLoop().schedule(() -> {
                timeoutTask = null;
                if (live()) {
                    fail(RESPONSE_TIMEOUT);
                }
            }, millis, TimeUnit.MILLISECONDS);
        }

        /** Reads and drops the rest of the response, then reuses the connection; the listener hears nothing more. */
        void discard() {
            if (live()) {
                discarding = true;
                resume();
            }
        }

        /** Abandons the call: the connection is closed, never reused half-way through an exchange. */
        void reset() {
            if (live()) {
                detach();
                channel.close();
            }
        }

        private void detach() {
            current = null;
            readPaused = false;
            if (timeoutTask != null) {
                timeoutTask.cancel(false);
                timeoutTask = null;
            }
            channel.config().setAutoRead(true);
        }

        private void fail(Throwable cause) {
            detach();
            channel.close();
            if (!discarding) {
                listener.onFailure(cause);
            }
        }

        private void responseHead(UpstreamResponseHead head) {
            headReceived = true;
            if (timeoutTask != null) {
                // A response-headers timeout, as the Vert.x client's request timeout was: it ends with the head.
                // Silences in the body are the idle timeouts' business (route idle, connection idle).
                timeoutTask.cancel(false);
                timeoutTask = null;
            }
            if (!discarding) {
                listener.onHead(head);
            }
        }

        private void content(ByteBuf in, int index, int length, boolean last) {
            Buffer chunk = null;
            if (!discarding && length > 0) {
                // Copied out of the pooled read buffer, as the Vert.x client does: the server side may hold the
                // chunk in its write queue for as long as the client is slow.
                ByteBuf copy = VertxByteBufAllocator.DEFAULT.heapBuffer(length, length);
                copy.writeBytes(in, index, length);
                chunk = Buffer.buffer(copy);
            }
            if (last) {
                responseEnded(chunk);
            } else if (chunk != null) {
                listener.onData(chunk);
            }
        }

        private void responseEnded(Buffer last) {
            // Reused only with the whole request on the wire: an upstream that answered early (401, 503) may leave
            // part of a body in the outbound buffer, which the next request's bytes would follow.
            boolean reusable = requestEnded && parser.keepAlive() && headReceived && nothingPending();
            detach();
            if (reusable) {
                owner.release(UpstreamConnection.this);
            } else {
                channel.close();
            }
            if (!discarding) {
                listener.onEnd(last);
            }
        }
    }

    private boolean nothingPending() {
        ChannelOutboundBuffer pending = channel.unsafe().outboundBuffer();
        return pending == null || pending.totalPendingWriteBytes() == 0;
    }

    /** Gives an acquired connection back untouched (its exchange ended while it waited for one). */
    void unused() {
        if (current == null) {
            owner.release(this);
        }
    }

    /** The sweep found this connection idle for the whole idle timeout. */
    void idleTimeout() {
        Call call = current;
        if (call != null) {
            call.fail(IDLE);
        }
        // A pooled connection has the keep-alive timeout instead; the idle timeout only ends calls.
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        activeAt = owner.sweeps();
        if (current == null && msg instanceof ByteBuf stray && UpstreamResponseParser.onlyLineBreaks(stray)) {
            stray.release(); // a stray line break after a response (the parser skips these too): harmless
            return;
        }
        if (current == null || !(msg instanceof ByteBuf in)) {
            // Bytes nobody asked for (a response after the call was reset, or on an idle connection): not reusable.
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        current.answered = true;
        try {
            parser.feed(in); // what follows the end of a response answers nothing: the parser keeps it from reuse
        } catch (UpstreamResponseParser.MalformedResponseException malformed) {
            Call call = current;
            if (call != null) {
                call.fail(malformed);
            } else {
                ctx.close();
            }
        } finally {
            in.release();
        }
    }

    // The parser's sink: the current call, if any (a call reset half-way through a read hears nothing more).

    @Override
    public void head(UpstreamResponseHead head) {
        Call call = current;
        if (call != null) {
            call.responseHead(head);
        }
    }

    @Override
    public void content(ByteBuf in, int index, int length, boolean last) {
        Call call = current;
        if (call != null) {
            call.content(in, index, length, last);
        }
    }

    @Override
    public void end() {
        Call call = current;
        if (call != null) {
            call.responseEnded(null);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Call call = current;
        if (call != null && ctx.channel().isWritable() && call.drainHandler != null) {
            Handler<Void> handler = call.drainHandler;
            call.drainHandler = null;
            handler.handle(null);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        owner.closed(this);
        Call call = current;
        if (call != null && !parser.closed()) { // a body delimited by the close ends normally
            call.fail(new ConnectionClosedException("upstream connection closed before the response ended"));
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Call call = current;
        if (call != null) {
            call.fail(cause);
        } else {
            ctx.close();
        }
    }
}
