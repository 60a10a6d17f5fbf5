package dev.ballast.autoscaler.engine;

/**
 * The value of an Object or External metric (milli-units; an External metric's series already summed) or the error
 * that prevented reading it. A failure is never a zero.
 */
public record MetricReading(long milli, String error) {

    public static MetricReading of(long milli) {
        return new MetricReading(milli, null);
    }

    public static MetricReading failed(String error) {
        return new MetricReading(0, error == null || error.isBlank() ? "metric unavailable" : error);
    }

    public boolean failed() {
        return error != null;
    }
}
