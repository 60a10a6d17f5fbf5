package dev.ballast.lb;

import java.time.Duration;

/** Hand-driven clock for tests: time moves only when a test says so. */
public final class FakeClock implements TimeSource {

    private volatile long nanos = 1_000_000_000_000L;
    private volatile long epochMillis = 1_700_000_000_000L;

    @Override
    public long nanoTime() {
        return nanos;
    }

    @Override
    public long epochMillis() {
        return epochMillis;
    }

    public void advance(Duration d) {
        nanos += d.toNanos();
        epochMillis += d.toMillis();
    }

    public void advanceSeconds(long seconds) {
        advance(Duration.ofSeconds(seconds));
    }
}
