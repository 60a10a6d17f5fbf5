package dev.ballast.gateway.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code limits.client-idle-timeout} for the client connections of one event loop: a connection with no traffic
 * either way for that long is closed, as Vert.x' idle timeout did. Vert.x puts a Netty {@code IdleStateHandler} on
 * every connection, which reads the clock on every read and hangs a listener on every write's promise; here a read
 * or a write only stores the loop's sweep count, and one task per loop, at least four times per timeout and at least
 * once a second, closes the connections that stayed silent for the timeout. A connection is closed between the
 * timeout and the timeout plus one sweep period after its last read or write (the upstream pools keep their
 * timeouts by a sweep too). A write counts when it is made: a client that stops reading stops the proxy's writes
 * through back-pressure and then times out.
 * <p>
 * Everything here runs on the loop's thread: connections are watched from the listener's connection handler, the
 * sweep and each connection's close run on the same loop.
 */
final class ClientIdleTimeout {

    static final String HANDLER_NAME = "ballast-client-idle";

    private final long idleSweeps;
    private final Set<Activity> connections = new HashSet<>();
    private final ScheduledFuture<?> sweeper;
    /** Sweeps so far: the loop's coarse clock. */
    private long sweeps;

    ClientIdleTimeout(EventLoop loop, long idleMillis) {
        if (idleMillis <= 0) {
            throw new IllegalArgumentException("idle timeout must be positive: " + idleMillis);
        }
        // The timeout is a whole number of periods (at least 4, at most 1 s each): a connection last active after
        // sweep k is closed by sweep k + idleSweeps + 1, between the timeout and the timeout plus one period later.
        this.idleSweeps = Math.max(4, (idleMillis + 999) / 1000);
        long periodNanos = TimeUnit.MILLISECONDS.toNanos(idleMillis) / idleSweeps;
        this.sweeper = loop.scheduleWithFixedDelay(this::sweep, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }

    /** Watches a new client connection (call on its event loop, before its first read). */
    void watch(Channel channel) {
        Activity activity = new Activity();
        activity.at = sweeps;
        channel.pipeline().addFirst(HANDLER_NAME, activity);
        connections.add(activity);
        channel.closeFuture().addListener(f -> connections.remove(activity));
    }

    /** Stops the sweep (the listener is going away and closes its connections itself). */
    void stop() {
        sweeper.cancel(false);
    }

    /** Connections watched now: for tests. */
    int watched() {
        return connections.size();
    }

    private void sweep() {
        long now = ++sweeps;
        List<Activity> silent = new ArrayList<>(0);
        for (Iterator<Activity> it = connections.iterator(); it.hasNext(); ) {
            Activity activity = it.next();
            // Last active between sweeps at and at + 1: more than idleSweeps periods ago only when now - at > idle.
            if (now - activity.at > idleSweeps) {
                it.remove();
                silent.add(activity);
            }
        }
        // Closed after the walk: a close completes the channel's close future at once, whose listener edits the set.
        // Through the whole pipeline (the channel's close, not this handler's): TLS sends its close_notify first.
        for (Activity activity : silent) {
            activity.ctx.channel().close();
        }
    }

    /** First in the pipeline, so it sees the raw bytes both ways (TLS records included). */
    private final class Activity extends ChannelDuplexHandler {
        private long at;
        private ChannelHandlerContext ctx;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            at = sweeps;
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            at = sweeps;
            ctx.write(msg, promise);
        }
    }
}
