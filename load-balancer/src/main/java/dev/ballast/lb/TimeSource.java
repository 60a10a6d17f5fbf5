package dev.ballast.lb;

/** Pluggable clock: all health timing reads this, so tests drive time by hand and never sleep. */
public interface TimeSource {

    /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
    long nanoTime();

    /** Wall-clock milliseconds, only used to show deadlines (ejection end) in {@link PoolState}. */
    default long epochMillis() {
        return System.currentTimeMillis();
    }

    static TimeSource system() {
        return System::nanoTime;
    }
}
