package dev.ballast.gateway.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client idle timeout's sweep against Netty's embedded channel and its frozen clock: no sleeping. */
class ClientIdleTimeoutTest {

    private EmbeddedChannel channel;
    private ClientIdleTimeout idle;

    /** Closes that travel the whole pipeline reach this handler, after the idle handler (which is first). */
    private final List<String> closesSeenDownstream = new ArrayList<>();

    @BeforeEach
    void watchOneConnection() {
        channel = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
                closesSeenDownstream.add("close");
                super.close(ctx, promise);
            }
        });
        channel.freezeTime();
        idle = new ClientIdleTimeout(channel.eventLoop(), 1_000); // swept every 250 ms
        idle.watch(channel);
    }

    private void advance(long millis) {
        advance(millis, 250);
    }

    private void advance(long millis, long step) {
        // In sweep-sized steps, as the loop would run them.
        for (long done = 0; done < millis; done += step) {
            channel.advanceTimeBy(Math.min(step, millis - done), TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
        }
    }

    @Test
    @DisplayName("a silent connection stays open for the whole timeout and is closed within one sweep after it")
    void silentConnectionClosedAfterTheTimeout() {
        advance(1_000);
        assertThat(channel.isOpen()).as("open at exactly the timeout").isTrue();

        advance(250);

        assertThat(channel.isOpen()).isFalse();
        assertThat(idle.watched()).as("a closed connection is no longer watched").isZero();
        assertThat(closesSeenDownstream).as("closed through the whole pipeline, so TLS can send close_notify")
                .containsExactly("close");
    }

    @Test
    @DisplayName("a timeout that is no whole number of seconds is kept exactly: 4.5 s closes between 4.5 and 5.4 s")
    void oddTimeoutKeptExactly() {
        EmbeddedChannel other = new EmbeddedChannel();
        other.freezeTime();
        ClientIdleTimeout odd = new ClientIdleTimeout(other.eventLoop(), 4_500); // 5 sweeps of 900 ms
        odd.watch(other);

        for (int i = 0; i < 45; i++) {
            other.advanceTimeBy(100, TimeUnit.MILLISECONDS);
            other.runScheduledPendingTasks();
        }
        assertThat(other.isOpen()).as("open at 4.5 s").isTrue();
        for (int i = 0; i < 9; i++) {
            other.advanceTimeBy(100, TimeUnit.MILLISECONDS);
            other.runScheduledPendingTasks();
        }
        assertThat(other.isOpen()).as("closed by 5.4 s").isFalse();
    }

    @Test
    @DisplayName("a read restarts the timeout")
    void readIsTraffic() {
        advance(750);
        channel.writeInbound("request bytes");
        advance(1_000);
        assertThat(channel.isOpen()).isTrue();

        advance(250);

        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    @DisplayName("a write restarts the timeout: a response that keeps flowing keeps its connection")
    void writeIsTraffic() {
        for (int i = 0; i < 8; i++) {
            advance(500);
            channel.writeOutbound("chunk " + i);
        }
        assertThat(channel.isOpen()).as("4 s of writes 500 ms apart").isTrue();

        advance(1_250);

        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    @DisplayName("a connection closed by its client leaves the sweep at once")
    void closedConnectionIsForgotten() {
        assertThat(idle.watched()).isEqualTo(1);

        channel.close();

        assertThat(idle.watched()).isZero();
    }

    @Test
    @DisplayName("once stopped, the sweep closes nothing")
    void stoppedSweepClosesNothing() {
        idle.stop();

        advance(5_000);

        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    @DisplayName("a timeout of zero or less is refused: 0 means no sweep at all, decided by the caller")
    void nonPositiveTimeoutRefused() {
        assertThatThrownBy(() -> new ClientIdleTimeout(channel.eventLoop(), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
