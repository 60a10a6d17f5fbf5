package dev.ballast.autoscaler.policy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes resource quantity ("500m", "2", "1.5", "128Mi", "1e3") held as an integer milli-value,
 * the unit the HPA computes in. Follows apimachinery's resource.Quantity: MilliValue() rounds up.
 */
public record Quantity(String text, long milli) {

    private static final String[] DECIMAL_SUFFIXES = {"", "k", "M", "G", "T", "P", "E"};

    /**
     * A milli-value written as resource.NewMilliQuantity(v, DecimalSI).String() writes it: "500m", "1500m", "2",
     * "20k", "1M" (the largest power of 1000 that keeps the mantissa whole).
     */
    public static Quantity ofMilli(long milli) {
        if (milli % 1000 != 0) {
            return new Quantity(milli + "m", milli);
        }
        long units = milli / 1000;
        int exponent = 0;
        while (units != 0 && units % 1000 == 0 && exponent < DECIMAL_SUFFIXES.length - 1) {
            units /= 1000;
            exponent++;
        }
        return new Quantity(units + DECIMAL_SUFFIXES[exponent], milli);
    }

    public static Quantity of(long units) {
        return new Quantity(Long.toString(units), Math.multiplyExact(units, 1000L));
    }

    /** Jackson entry: quantities arrive as strings ("250m") or bare JSON numbers (0.05, 3). */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static Quantity fromJson(Object raw) {
        if (raw instanceof Number number) {
            return parse(new BigDecimal(number.toString()).toPlainString());
        }
        if (raw instanceof String text) {
            return parse(text);
        }
        throw new IllegalArgumentException("must be a quantity string such as \"500m\" or \"2Gi\", or a number");
    }

    private static final Pattern FORM = Pattern.compile(
            "([+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+))(?:([eE][+-]?\\d+)|(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei))?");

    /** Parses a quantity; throws IllegalArgumentException naming what is wrong. */
    public static Quantity parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("must be a quantity such as \"500m\" or \"2Gi\", not an empty string");
        }
        String s = text.trim();
        Matcher m = FORM.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a quantity (expected a number with an optional"
                    + " suffix m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei, e.g. 500m or 2Gi)");
        }
        BigDecimal value = new BigDecimal(m.group(1));
        if (m.group(2) != null) {
            value = value.scaleByPowerOfTen(Integer.parseInt(m.group(2).substring(1).replace("+", "")));
        } else if (m.group(3) != null) {
            value = value.multiply(multiplier(m.group(3)));
        }
        BigDecimal milli = value.movePointRight(3).setScale(0, RoundingMode.CEILING);
        if (milli.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0 || milli.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) < 0) {
            throw new IllegalArgumentException("\"" + text + "\" is too large");
        }
        return new Quantity(s, milli.longValueExact());
    }

    private static BigDecimal multiplier(String suffix) {
        return switch (suffix) {
            case "m" -> new BigDecimal("0.001");
            case "k" -> BigDecimal.valueOf(1_000L);
            case "M" -> BigDecimal.valueOf(1_000_000L);
            case "G" -> BigDecimal.valueOf(1_000_000_000L);
            case "T" -> BigDecimal.valueOf(1_000_000_000_000L);
            case "P" -> BigDecimal.valueOf(1_000_000_000_000_000L);
            case "E" -> new BigDecimal("1000000000000000000");
            case "Ki" -> BigDecimal.valueOf(1L << 10);
            case "Mi" -> BigDecimal.valueOf(1L << 20);
            case "Gi" -> BigDecimal.valueOf(1L << 30);
            case "Ti" -> BigDecimal.valueOf(1L << 40);
            case "Pi" -> BigDecimal.valueOf(1L << 50);
            default -> BigDecimal.valueOf(1L << 60);
        };
    }

    /** The value as a double in base units (for messages and ratios that are floating point in the HPA too). */
    public double asDouble() {
        return milli / 1000.0;
    }

    @JsonValue
    @Override
    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }
}
