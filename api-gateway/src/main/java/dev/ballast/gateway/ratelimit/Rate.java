package dev.ballast.gateway.ratelimit;

import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A sustained request rate written as {@code <count>/<unit>} ({@code 10/s}, {@code 600/m}, {@code 1000/h}),
 * the notation of nginx {@code limit_req_zone rate=} extended to minutes and hours.
 */
public record Rate(long count, TimeUnit per) {

    private static final Pattern FORM = Pattern.compile("\\s*(\\d{1,9})\\s*/\\s*([smh])\\s*");

    public Rate {
        if (count < 1) {
            throw new IllegalArgumentException("rate must allow at least 1 request, was " + count);
        }
    }

    /** Parses {@code 10/s}; the message says what is accepted, so a config error can quote it under its key. */
    public static Rate parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a rate; write <count>/s, <count>/m or <count>/h, e.g. 10/s");
        }
        TimeUnit unit = switch (m.group(2)) {
            case "s" -> TimeUnit.SECONDS;
            case "m" -> TimeUnit.MINUTES;
            default -> TimeUnit.HOURS;
        };
        return new Rate(Long.parseLong(m.group(1)), unit);
    }

    /**
     * Microseconds between two requests at this rate (the GCRA emission interval), at least 1. Microseconds
     * because the Redis script works in Lua doubles: epoch microseconds stay exact below 2^53.
     */
    public long emissionIntervalMicros() {
        return Math.max(1, per.toMicros(1) / count);
    }

    /** The same rate shared by {@code replicas} instances: each gets at least 1 request per period. */
    public Rate dividedAmong(int replicas) {
        return new Rate(Math.max(1, count / Math.max(1, replicas)), per);
    }

    @Override
    public String toString() {
        return count + "/" + switch (per) {
            case SECONDS -> "s";
            case MINUTES -> "m";
            default -> "h";
        };
    }
}
