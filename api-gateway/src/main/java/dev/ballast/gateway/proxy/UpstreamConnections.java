package dev.ballast.gateway.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.buffer.impl.PartialPooledByteBufAllocator;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.impl.VertxInternal;
import org.jboss.logging.Logger;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The keep-alive HTTP/1.1 connections of one upstream generation on one event loop, by endpoint (nginx's per-worker
 * upstream keepalive cache): idle connections are reused last-in first-out, at most {@code maxConnections} are open
 * per endpoint, at most {@code maxPending} acquisitions wait for one (0: none wait, the caller hears
 * {@link PoolBusyException} at once). An acquisition that gets no connection within its connect timeout, whether it
 * waited in the queue or in the TCP or TLS handshake, fails with a {@link TimeoutException}. Connections idle longer
 * than the keep-alive timeout are closed (a keep-alive timeout of 0 closes each connection after its request, like
 * nginx without {@code keepalive}); a call whose connection stays idle (no byte either way) longer than the upstream's
 * connection idle timeout fails with a timeout and its connection is closed.
 * <p>
 * Both clocks are kept by one sweep per pool, every quarter of the shorter timeout (10 ms to 1 s): a connection notes
 * the sweep count when it reads or writes (a field store), the sweep closes what stayed idle for the whole timeout, so
 * a timeout fires between 1 and 1.5 times its value. Netty's IdleStateHandler, which the Vert.x client used, reads the
 * clock and adds a listener to a promise on every write: 1.5–2 % of the gateway's CPU (async-profiler, session 5).
 * <p>
 * Confined to its event loop: every method must be called on it.
 */
final class UpstreamConnections {

    /** Every connection of the endpoint is in use and the wait queue is full. */
    static class PoolBusyException extends Exception {
        PoolBusyException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * An acquisition waited in the gateway's own queue for its whole connect timeout without a connection being
     * freed: the gateway's limit, not the endpoint's failure (no connection attempt was made for it).
     */
    static final class QueueTimeoutException extends PoolBusyException {
        QueueTimeoutException(String message) {
            super(message);
        }
    }

    /** An acquisition still under way: queued for a connection, or connecting. */
    interface Pending {
        /**
         * Leaves the endpoint's wait queue if the acquisition is still in it (no connection attempt was made for it):
         * true then, and its callback is never called. False once it connects, or has its answer.
         */
        boolean withdraw();
    }

    /** An acquisition's outcome: exactly one of the two is non-null. */
    interface Acquired {
        void acquired(UpstreamConnection connection, Throwable failure);
    }

    private static final Logger LOG = Logger.getLogger(UpstreamConnections.class);

    /**
     * Netty's request encoder, writing the gateway's header map (Vert.x's) by walking its entries directly, as the
     * Vert.x client's encoder does, instead of through a generic iterator.
     */
    private static final class RequestEncoder extends HttpRequestEncoder {
        @Override
        protected void encodeHeaders(HttpHeaders headers, ByteBuf buf) {
            if (headers instanceof HeadersMultiMap map) {
                map.encode(buf);
            } else {
                super.encodeHeaders(headers, buf);
            }
        }
    }

    private final VertxInternal vertx;
    private final EventLoop loop;
    private final String upstream;
    private final int maxConnections;
    private final int maxPending;
    /** Sweeps an idle in-use connection must outlast before its call fails; 0 for no idle timeout. */
    private final long idleSweeps;
    /** Sweeps an idle pooled connection must outlast before it is closed; 0 for no keep-alive at all. */
    private final long keepAliveSweeps;
    /** Sweeps so far: the pool's coarse clock. */
    private long sweeps;
    /** Null for plain HTTP. */
    private final SslContext ssl;
    /** SNI and certificate name for every endpoint, or null to use each endpoint's host. */
    private final String serverName;
    private final Map<String, EndpointConnections> byEndpoint = new HashMap<>();
    private final ScheduledFuture<?> sweeper;
    private boolean closed;

    UpstreamConnections(VertxInternal vertx, EventLoop loop, String upstream, int maxConnections, int maxPending,
                        long keepAliveMillis, long idleMillis, SslContext ssl, String serverName) {
        this.vertx = vertx;
        this.loop = loop;
        this.upstream = upstream;
        this.maxConnections = maxConnections;
        this.maxPending = maxPending;
        this.ssl = ssl;
        this.serverName = serverName;
        long shortest = Math.min(idleMillis > 0 ? idleMillis : Long.MAX_VALUE,
                keepAliveMillis > 0 ? keepAliveMillis : Long.MAX_VALUE);
        long sweepMillis = Math.max(10, Math.min(1000, shortest / 4));
        this.idleSweeps = idleMillis > 0 ? ceilDiv(idleMillis, sweepMillis) : 0;
        this.keepAliveSweeps = ceilDiv(Math.max(0, keepAliveMillis), sweepMillis);
        this.sweeper = loop.scheduleWithFixedDelay(this::sweep, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** The pool's coarse clock, for connections to note when they were last active. */
    long sweeps() {
        return sweeps;
    }

    /**
     * Gets a connection to the endpoint {@code id} at {@code host:port}, reusing an idle one when there is one.
     * {@code connectMillis} bounds the whole acquisition (0: no bound beyond the TCP stack's own).
     */
    Pending acquire(String id, String host, int port, long connectMillis, Acquired callback) {
        return acquire(id, host, port, connectMillis, false, callback);
    }

    /**
     * As {@link #acquire(String, String, int, long, Acquired)}; {@code fresh} closes the endpoint's idle connections
     * first and opens a new one: for the retry after a pooled connection turned out stale (the others, pooled as long
     * or longer, likely are too). At the cap it waits for a slot, never for a connection another call gives back; the
     * slot of an idle connection it closed is its own, whatever {@code maxPending} says.
     * Returns the acquisition while it is under way, null when it was settled at once (callback already called).
     */
    Pending acquire(String id, String host, int port, long connectMillis, boolean fresh, Acquired callback) {
        if (closed) {
            callback.acquired(null, new PoolBusyException("upstream '" + upstream + "' was reconfigured"));
            return null;
        }
        EndpointConnections endpoint = byEndpoint.get(id);
        if (endpoint == null) {
            endpoint = new EndpointConnections(host, port);
            byEndpoint.put(id, endpoint);
        }
        boolean slotComing = fresh && endpoint.closeIdleConnections() > 0;
        return endpoint.acquire(connectMillis, fresh, slotComing, callback);
    }

    /**
     * Closes idle connections now and in-use ones when their call ends; later acquisitions fail. The sweep goes on
     * until the last connection is gone, so a call that stalls after this still meets its idle timeout.
     */
    void close() {
        closed = true;
        for (EndpointConnections endpoint : byEndpoint.values()) {
            endpoint.closeIdle();
        }
    }

    /** Open connections (idle, in use or connecting) to the endpoint with this id: for tests. */
    int open(String id) {
        EndpointConnections endpoint = byEndpoint.get(id);
        return endpoint == null ? 0 : endpoint.open;
    }

    private void sweep() {
        long now = ++sweeps;
        List<UpstreamConnection> stalled = new ArrayList<>(0);
        for (Iterator<EndpointConnections> it = byEndpoint.values().iterator(); it.hasNext(); ) {
            EndpointConnections endpoint = it.next();
            endpoint.expire(now, stalled);
            if (endpoint.open == 0 && endpoint.waiters.isEmpty()) {
                it.remove(); // endpoints that left the pool do not accumulate here
            }
        }
        // Failed after the walk: a failing call runs its exchange, which may start the next request on this pool
        // (a pipelined one) and add an endpoint to the map being walked. An exception must not end the sweep for
        // good either (a periodic task that throws is never run again).
        for (UpstreamConnection connection : stalled) {
            try {
                connection.idleTimeout();
            } catch (RuntimeException e) {
                connection.channel.close();
                LOG.warnf(e, "upstream '%s': handling an idle upstream connection failed", upstream);
            }
        }
        if (closed && byEndpoint.isEmpty()) {
            sweeper.cancel(false);
        }
    }

    /** The connections to one endpoint. */
    final class EndpointConnections {
        private final String host;
        private final int port;
        private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
        /** Every connected connection, idle or in use: what the sweep looks at. */
        private final List<UpstreamConnection> connected = new ArrayList<>();
        private final ArrayDeque<Waiter> waiters = new ArrayDeque<>(0);
        /** Connections counted against the cap: connecting, idle or in use. */
        private int open;

        EndpointConnections(String host, int port) {
            this.host = host;
            this.port = port;
        }

        long sweeps() {
            return sweeps;
        }

        /**
         * {@code slotComing}: this (fresh) acquisition has just closed idle connections, whose slots free once their
         * close completes. It then waits for one even past {@code maxPending} (with 0 there is no queue at all): the
         * slot is there, only not yet counted free. (The queue it joins is empty or holds other fresh acquisitions:
         * a plain one never waits while a connection is idle.)
         */
        Pending acquire(long connectMillis, boolean fresh, boolean slotComing, Acquired callback) {
            UpstreamConnection connection;
            while ((connection = idle.pollLast()) != null) { // none when fresh: closed just before
                if (connection.channel.isActive() && sweeps - connection.activeAt <= keepAliveSweeps) {
                    callback.acquired(connection, null);
                    return null;
                }
                connection.channel.close(); // past its keep-alive: the upstream may be closing it right now
            }
            if (open < maxConnections) {
                Waiter waiter = new Waiter(callback, connectMillis, fresh);
                connect(waiter);
                return waiter;
            }
            if (waiters.size() >= maxPending && !slotComing) {
                callback.acquired(null, new PoolBusyException("all " + maxConnections + " connections to " + host
                        + ":" + port + " are in use and " + maxPending + " requests already wait"));
                return null;
            }
            Waiter waiter = new Waiter(callback, connectMillis, fresh);
            waiters.addLast(waiter);
            return waiter;
        }

        private void connect(Waiter waiter) {
            open++;
            Bootstrap bootstrap = new Bootstrap().group(loop)
                    .channelFactory(vertx.transport().channelFactory(false))
                    .resolver(vertx.nettyAddressResolverGroup())
                    .option(ChannelOption.TCP_NODELAY, true)
                    // Vert.x's own allocator choice: pooled direct buffers for reads, which the copy into heap
                    // buffers (VertxHandler.safeBuffer) then releases, whatever io.netty.allocator.type says.
                    .option(ChannelOption.ALLOCATOR, PartialPooledByteBufAllocator.INSTANCE)
                    .option(ChannelOption.SO_KEEPALIVE, true)
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (ssl != null) {
                                String name = serverName != null ? serverName : host;
                                ch.pipeline().addLast("ssl", ssl.newHandler(ch.alloc(), name, port));
                            }
                            // Requests go out through Netty's encoder; responses are read by the connection's own
                            // parser (UpstreamResponseParser).
                            ch.pipeline().addLast("encoder", new RequestEncoder());
                            ch.pipeline().addLast("handler", new UpstreamConnection(ch, EndpointConnections.this));
                        }
                    });
            if (waiter.connectMillis > 0) {
                bootstrap.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        waiter.connectMillis));
            }
            ChannelFuture future = bootstrap.connect(InetSocketAddress.createUnresolved(host, port));
            waiter.connecting = future;
            future.addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    // channelInactive does not run for a channel that never connected: give the slot back here.
                    open--;
                    Throwable cause = f.cause() instanceof ConnectTimeoutException ? timeout(waiter) : f.cause();
                    waiter.fail(cause);
                    serveWaiters();
                    return;
                }
                SslHandler sslHandler = f.channel().pipeline().get(SslHandler.class);
                if (sslHandler == null) {
                    handOver(f.channel(), waiter);
                    return;
                }
                // Like the Vert.x client, a TLS connection is handed over only once its handshake succeeded.
                sslHandler.handshakeFuture().addListener(h -> {
                    if (h.isSuccess()) {
                        handOver(f.channel(), waiter);
                    } else {
                        f.channel().close();
                        waiter.fail(h.cause());
                    }
                });
            });
        }

        private void handOver(Channel channel, Waiter waiter) {
            UpstreamConnection connection = (UpstreamConnection) channel.pipeline().get("handler");
            if (!channel.isActive()) {
                waiter.fail(new UpstreamConnection.ConnectionClosedException("upstream closed the connection at once"));
                return; // channelInactive has given its slot back
            }
            connected.add(connection);
            if (!waiter.complete(connection, null)) {
                release(connection); // the waiter gave up (timed out); the next one gets it
            }
        }

        /** A call ended cleanly: the connection serves the next waiter or goes idle. */
        void release(UpstreamConnection connection) {
            if (closed || !connection.channel.isActive() || keepAliveSweeps == 0) {
                connection.channel.close();
                return;
            }
            Waiter waiter;
            while ((waiter = waiters.peekFirst()) != null) {
                if (waiter.fresh && !waiter.done && connection.used()) {
                    // The next in line must not reuse a connection: this one closes, and the slot it frees goes to
                    // a new connection for that waiter (closed -> serveWaiters).
                    connection.channel.close();
                    return;
                }
                waiters.pollFirst();
                if (waiter.complete(connection, null)) {
                    return;
                }
            }
            connection.activeAt = sweeps;
            idle.addLast(connection);
        }

        /** A connection's channel closed, in use or idle. */
        void closed(UpstreamConnection connection) {
            open--;
            idle.remove(connection);
            connected.remove(connection);
            serveWaiters();
        }

        private void serveWaiters() {
            while (!waiters.isEmpty() && open < maxConnections && !closed) {
                Waiter waiter = waiters.pollFirst();
                if (!waiter.done) {
                    connect(waiter);
                }
            }
        }

        /**
         * Closes pooled connections past their keep-alive and collects in-use ones that stayed idle too long (the
         * caller fails their calls).
         */
        void expire(long now, List<UpstreamConnection> stalled) {
            for (Iterator<UpstreamConnection> it = idle.iterator(); it.hasNext(); ) {
                UpstreamConnection connection = it.next();
                if (now - connection.activeAt > keepAliveSweeps) {
                    it.remove();
                    connection.channel.close();
                }
            }
            if (idleSweeps == 0) {
                return;
            }
            for (UpstreamConnection connection : connected) {
                if (!connection.readPaused && now - connection.activeAt > idleSweeps) {
                    stalled.add(connection);
                }
            }
        }

        /** Closes every idle connection; returns how many (their slots free when each close completes). */
        int closeIdleConnections() {
            List<UpstreamConnection> all = new ArrayList<>(idle);
            idle.clear();
            all.forEach(c -> c.channel.close());
            return all.size();
        }

        void closeIdle() {
            closeIdleConnections();
            Waiter waiter;
            while ((waiter = waiters.pollFirst()) != null) {
                waiter.fail(new PoolBusyException("upstream '" + upstream + "' was reconfigured"));
            }
        }

        private TimeoutException timeout(Waiter waiter) {
            return new TimeoutException("no connection to " + host + ":" + port + " within " + waiter.connectMillis
                    + " ms");
        }

        /** One acquisition in progress: queued, connecting, or done. */
        private final class Waiter implements Pending {
            final Acquired callback;
            final long connectMillis;
            /** Must get a new connection, not one given back (see {@link UpstreamConnections#acquire}). */
            final boolean fresh;
            final ScheduledFuture<?> deadline;
            ChannelFuture connecting;
            boolean done;

            Waiter(Acquired callback, long connectMillis, boolean fresh) {
                this.callback = callback;
                this.connectMillis = connectMillis;
                this.fresh = fresh;
                // The TCP connect timeout covers a connection attempt; this covers the wait for one in the queue and
                // a TLS handshake that never completes.
                this.deadline = connectMillis > 0
                        ? loop.schedule(this::expire, connectMillis, TimeUnit.MILLISECONDS) : null;
            }

            private void expire() {
                if (done) {
                    return;
                }
                if (waiters.remove(this)) {
                    // Still queued: no connection attempt was made for it, every connection stayed busy.
                    fail(new QueueTimeoutException("all " + maxConnections + " connections to " + host + ":" + port
                            + " stayed in use for " + connectMillis + " ms"));
                    return;
                }
                fail(timeout(this)); // connecting: the TCP connect or the TLS handshake took too long
            }

            @Override
            public boolean withdraw() {
                if (done || !waiters.remove(this)) {
                    return false;
                }
                settle();
                return true;
            }

            boolean complete(UpstreamConnection connection, Throwable failure) {
                if (done) {
                    return false;
                }
                settle();
                callback.acquired(connection, failure);
                return true;
            }

            private void settle() {
                done = true;
                if (deadline != null) {
                    deadline.cancel(false);
                }
            }

            void fail(Throwable cause) {
                complete(null, cause);
            }
        }
    }
}
