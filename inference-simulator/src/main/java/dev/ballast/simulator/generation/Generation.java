package dev.ballast.simulator.generation;

import io.vertx.core.Vertx;

/**
 * Emits one request's tokens on Vert.x timers: the first after the time to first token, the rest one
 * inter-token delay apart (timed from the actual first token). Never blocks; when a timer fires late, every
 * token already due goes out at once, which keeps fast configurations fast despite 1 ms timer resolution.
 * Runs on the event loop that started it.
 */
public final class Generation {

    private final Vertx vertx;
    private final TokenPlan plan;
    private final TimingModel timing;
    private final TokenSink sink;
    private final long arrivedNanos;
    private long startedNanos;
    private long firstTokenNanos;
    private long nextDueNanos;
    private int emitted;
    private long timerId = -1;
    private boolean cancelled;

    public Generation(Vertx vertx, TokenPlan plan, TimingModel timing, TokenSink sink, long arrivedNanos) {
        this.vertx = vertx;
        this.plan = plan;
        this.timing = timing;
        this.sink = sink;
        this.arrivedNanos = arrivedNanos;
    }

    public void start() {
        startedNanos = System.nanoTime();
        nextDueNanos = startedNanos + plan.ttftNanos();
        scheduleNext();
    }

    /** Stops generating (client gone, connection dropped); no sink call follows. */
    public void cancel() {
        cancelled = true;
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    private void scheduleNext() {
        long delayNanos = nextDueNanos - System.nanoTime();
        if (delayNanos <= 0) {
            timerId = -1;
            vertx.runOnContext(ignored -> tick());
        } else {
            // Vert.x timers have millisecond resolution and refuse delays below 1 ms
            long delayMillis = Math.max(1, (delayNanos + 999_999) / 1_000_000);
            timerId = vertx.setTimer(delayMillis, ignored -> tick());
        }
    }

    private void tick() {
        timerId = -1;
        long now = System.nanoTime();
        while (!cancelled && emitted < plan.outputTokens() && nextDueNanos <= now) {
            if (emitted == 0) {
                // later tokens are timed from the actual first token, so a late timer never shortens decoding
                firstTokenNanos = now;
                nextDueNanos = now;
                sink.firstToken(times(0));
                if (cancelled) {
                    return;
                }
            }
            sink.token(Vocabulary.token(emitted));
            emitted++;
            nextDueNanos += timing.jittered(plan.interTokenNanos());
        }
        if (cancelled) {
            return;
        }
        if (emitted == plan.outputTokens()) {
            sink.done(times(System.nanoTime()));
        } else {
            scheduleNext();
        }
    }

    private GenerationTimes times(long finishedNanos) {
        return new GenerationTimes(arrivedNanos, startedNanos, firstTokenNanos, finishedNanos);
    }

    public TokenPlan plan() {
        return plan;
    }
}
