package dev.ballast.simulator.fault;

import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a {@code POST /admin/faults} body: only the fields present change, the others keep their current
 * value. Unknown fields and wrong types are rejected, so a typo never silently leaves a fault off.
 */
public final class FaultRequest {

    private static final Set<String> FIELDS = Set.of(
            "errorRate", "errorStatus", "slowFactor", "extraLatencyMs", "hang", "dropMidStream", "healthFailing");

    private FaultRequest() {
    }

    /**
     * @return the faults after applying {@code body} to {@code current}
     * @throws IllegalArgumentException naming the field that is wrong and what it accepts
     */
    public static Faults apply(Faults current, JsonObject body) {
        Set<String> unknown = new TreeSet<>(body.fieldNames());
        unknown.removeAll(FIELDS);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown field(s) " + unknown + "; accepted: " + new TreeSet<>(FIELDS));
        }
        Faults next = current;
        if (body.containsKey("errorRate")) {
            next = next.withErrorRate(number(body, "errorRate").doubleValue());
        }
        if (body.containsKey("errorStatus")) {
            next = next.withErrorStatus(integer(body, "errorStatus"));
        }
        if (body.containsKey("slowFactor")) {
            next = next.withSlowFactor(number(body, "slowFactor").doubleValue());
        }
        if (body.containsKey("extraLatencyMs")) {
            next = next.withExtraLatencyMs(integer(body, "extraLatencyMs"));
        }
        if (body.containsKey("hang")) {
            next = next.withHang(bool(body, "hang"));
        }
        if (body.containsKey("dropMidStream")) {
            Object value = body.getValue("dropMidStream");
            next = next.withDropMidStream(value == null || Boolean.FALSE.equals(value) ? null : integer(body, "dropMidStream"));
        }
        if (body.containsKey("healthFailing")) {
            next = next.withHealthFailing(bool(body, "healthFailing"));
        }
        return next;
    }

    private static Number number(JsonObject body, String field) {
        if (body.getValue(field) instanceof Number number) {
            return number;
        }
        throw new IllegalArgumentException(field + " must be a number, got " + describe(body.getValue(field)));
    }

    private static int integer(JsonObject body, String field) {
        Number number = number(body, field);
        double value = number.doubleValue();
        if (value != Math.rint(value) || value > Integer.MAX_VALUE || value < Integer.MIN_VALUE) {
            throw new IllegalArgumentException(field + " must be a whole number, got " + number);
        }
        return (int) value;
    }

    private static boolean bool(JsonObject body, String field) {
        if (body.getValue(field) instanceof Boolean value) {
            return value;
        }
        throw new IllegalArgumentException(field + " must be true or false, got " + describe(body.getValue(field)));
    }

    private static String describe(Object value) {
        return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
    }
}
