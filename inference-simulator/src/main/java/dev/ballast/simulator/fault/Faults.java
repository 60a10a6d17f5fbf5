package dev.ballast.simulator.fault;

import io.vertx.core.json.JsonObject;

/**
 * The faults currently injected into inference requests; {@link #NONE} is a healthy server.
 * Each wither returns a copy, so tests compose faults like {@code Faults.NONE.withErrorRate(1.0)}.
 *
 * @param errorRate        probability (0..1) that an inference request fails at once with {@code errorStatus}
 * @param errorStatus      HTTP status of injected errors (400..599)
 * @param slowFactor       multiplier (at least 1) on time to first token and time between tokens
 * @param extraLatencyMs   added to the time to first token, in milliseconds
 * @param hang             inference requests are accepted and never answered
 * @param dropMidStream    when not null, the connection is closed after this many body chunks
 * @param healthFailing    {@code GET /health} answers 503
 */
public record Faults(
        double errorRate,
        int errorStatus,
        double slowFactor,
        long extraLatencyMs,
        boolean hang,
        Integer dropMidStream,
        boolean healthFailing) {

    public static final Faults NONE = new Faults(0, 500, 1, 0, false, null, false);

    public Faults {
        if (!(errorRate >= 0 && errorRate <= 1)) {
            throw new IllegalArgumentException("errorRate must be between 0 and 1, got " + errorRate);
        }
        if (errorStatus < 400 || errorStatus > 599) {
            throw new IllegalArgumentException("errorStatus must be an HTTP error status 400..599, got " + errorStatus);
        }
        if (!(slowFactor >= 1) || !Double.isFinite(slowFactor)) {
            throw new IllegalArgumentException("slowFactor must be a finite number of at least 1, got " + slowFactor);
        }
        if (extraLatencyMs < 0) {
            throw new IllegalArgumentException("extraLatencyMs must be 0 or more, got " + extraLatencyMs);
        }
        if (dropMidStream != null && dropMidStream < 0) {
            throw new IllegalArgumentException("dropMidStream must be null (off) or 0 or more chunks, got " + dropMidStream);
        }
    }

    public Faults withErrorRate(double value) {
        return new Faults(value, errorStatus, slowFactor, extraLatencyMs, hang, dropMidStream, healthFailing);
    }

    public Faults withErrorStatus(int value) {
        return new Faults(errorRate, value, slowFactor, extraLatencyMs, hang, dropMidStream, healthFailing);
    }

    public Faults withSlowFactor(double value) {
        return new Faults(errorRate, errorStatus, value, extraLatencyMs, hang, dropMidStream, healthFailing);
    }

    public Faults withExtraLatencyMs(long value) {
        return new Faults(errorRate, errorStatus, slowFactor, value, hang, dropMidStream, healthFailing);
    }

    public Faults withHang(boolean value) {
        return new Faults(errorRate, errorStatus, slowFactor, extraLatencyMs, value, dropMidStream, healthFailing);
    }

    public Faults withDropMidStream(Integer value) {
        return new Faults(errorRate, errorStatus, slowFactor, extraLatencyMs, hang, value, healthFailing);
    }

    public Faults withHealthFailing(boolean value) {
        return new Faults(errorRate, errorStatus, slowFactor, extraLatencyMs, hang, dropMidStream, value);
    }

    /** The JSON shape served by {@code GET /admin/faults} and accepted by {@code POST /admin/faults}. */
    public JsonObject toJson() {
        return new JsonObject()
                .put("errorRate", errorRate)
                .put("errorStatus", errorStatus)
                .put("slowFactor", slowFactor)
                .put("extraLatencyMs", extraLatencyMs)
                .put("hang", hang)
                .put("dropMidStream", dropMidStream)
                .put("healthFailing", healthFailing);
    }
}
