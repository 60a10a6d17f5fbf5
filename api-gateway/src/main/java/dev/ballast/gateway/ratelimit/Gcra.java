package dev.ballast.gateway.ratelimit;

/**
 * The generic cell rate algorithm (ITU-T I.371 virtual scheduling, as in redis-cell and Brandur's throttled):
 * pure arithmetic over a stored "theoretical arrival time" (TAT), no I/O and no clock, so the Lua script in
 * {@code gcra.lua} can do exactly the same steps atomically inside Redis and tests can drive time by hand.
 *
 * <p>{@code burst} is how many requests may arrive back to back on a full budget; after that, one request per
 * emission interval. All times are microseconds.
 */
public final class Gcra {

    private final long interval;
    private final long burst;

    public Gcra(Rate rate, long burst) {
        if (burst < 1) {
            throw new IllegalArgumentException("burst must be at least 1, was " + burst);
        }
        this.interval = rate.emissionIntervalMicros();
        this.burst = burst;
    }

    /**
     * One decision. {@code storedTat} is the TAT kept for the key (0 or anything in the past when unknown);
     * the result says whether to let the request through and which TAT to store (unchanged when denied).
     */
    public Decision decide(long storedTat, long now) {
        long tat = Math.max(storedTat, now);
        long newTat = tat + interval;
        // The earliest instant at which newTat lies within burst intervals of "now".
        long allowAt = newTat - burst * interval;
        if (now < allowAt) {
            return new Decision(false, storedTat, burst, 0, allowAt - now, tat - now);
        }
        long remaining = (now - allowAt) / interval;
        return new Decision(true, newTat, burst, remaining, 0, newTat - now);
    }

    /**
     * The outcome of one request: {@code tat} is what to store for the key; {@code retryAfterMicros} is 0 when
     * allowed; {@code resetMicros} is how long until the budget is full again (RateLimit-Reset).
     */
    public record Decision(boolean allowed, long tat, long limit, long remaining, long retryAfterMicros,
                           long resetMicros) {

        /** Whole seconds for Retry-After / RateLimit-Reset: rounded up, so a client that waits is not refused. */
        public static long seconds(long micros) {
            return (micros + 999_999) / 1_000_000;
        }
    }
}
