package dev.ballast.lb.health;

/**
 * Slow start: a new or recovered endpoint's weight ramps linearly from 10 % to 100 % over a window
 * (HAProxy slowstart ramps linearly; Envoy's min_weight_percent is 10 %). Expressed in permille so the
 * strategies stay in integer arithmetic.
 */
public final class SlowStart {

    public static final int FULL = 1000;
    public static final int FLOOR = 100;

    private SlowStart() {
    }

    /** Weight factor in permille (100..1000) at {@code now} for a ramp that began at {@code from}. */
    public static int permille(long nowNanos, long fromNanos, long windowNanos) {
        if (windowNanos <= 0) {
            return FULL;
        }
        long elapsed = nowNanos - fromNanos;
        if (elapsed >= windowNanos) {
            return FULL;
        }
        if (elapsed <= 0) {
            return FLOOR;
        }
        return FLOOR + (int) ((FULL - FLOOR) * (double) elapsed / windowNanos);
    }
}
