package dev.ballast.exporter.collector.inference;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A minimal parser of the Prometheus text exposition format (0.0.4, and the sample lines of
 * OpenMetrics): sample name, labels, value. Comments, HELP/TYPE lines and timestamps are skipped;
 * lines it cannot read are skipped too, so one odd line never loses a whole scrape.
 */
public final class PrometheusText {

    /** One sample line. */
    public record Line(String name, Map<String, String> labels, double value) {
        public String label(String key) {
            return labels.getOrDefault(key, "");
        }
    }

    private final List<Line> lines;

    private PrometheusText(List<Line> lines) {
        this.lines = List.copyOf(lines);
    }

    public static PrometheusText parse(String text) {
        List<Line> out = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            Line parsed = parseLine(line);
            if (parsed != null) {
                out.add(parsed);
            }
        }
        return new PrometheusText(out);
    }

    static Line parseLine(String line) {
        int i = 0;
        int n = line.length();
        while (i < n && line.charAt(i) != '{' && line.charAt(i) != ' ' && line.charAt(i) != '\t') {
            i++;
        }
        String name = line.substring(0, i);
        Map<String, String> labels = new HashMap<>();
        if (i < n && line.charAt(i) == '{') {
            i++;
            while (i < n && line.charAt(i) != '}') {
                while (i < n && (line.charAt(i) == ',' || line.charAt(i) == ' ')) {
                    i++;
                }
                if (i < n && line.charAt(i) == '}') {
                    break;
                }
                int eq = line.indexOf('=', i);
                int quote = eq + 1;
                while (eq >= 0 && quote < n && line.charAt(quote) == ' ') {
                    quote++;
                }
                if (eq < 0 || quote >= n || line.charAt(quote) != '"') {
                    return null;
                }
                String key = line.substring(i, eq).strip();
                StringBuilder value = new StringBuilder();
                int j = quote + 1;
                while (j < n && line.charAt(j) != '"') {
                    char c = line.charAt(j);
                    if (c == '\\' && j + 1 < n) {
                        char next = line.charAt(++j);
                        value.append(next == 'n' ? '\n' : next);
                    } else {
                        value.append(c);
                    }
                    j++;
                }
                if (j >= n) {
                    return null;
                }
                labels.put(key, value.toString());
                i = j + 1;
            }
            i++;
        }
        String[] rest = line.substring(Math.min(i, n)).strip().split("\\s+");
        if (rest.length == 0 || rest[0].isEmpty()) {
            return null;
        }
        try {
            return new Line(name, labels, parseValue(rest[0]));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static double parseValue(String value) {
        return switch (value) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(value);
        };
    }

    public List<Line> lines() {
        return lines;
    }

    /** Lines with exactly this name. */
    public List<Line> named(String name) {
        return lines.stream().filter(l -> l.name().equals(name)).toList();
    }

    public boolean has(String name) {
        return lines.stream().anyMatch(l -> l.name().equals(name));
    }

    /** The first of the names that is present (for metrics renamed across versions), or null. */
    public String firstPresent(String... names) {
        for (String name : names) {
            if (has(name) || has(name + "_bucket") || has(name + "_total")) {
                return name;
            }
        }
        return null;
    }

    public List<Line> filter(Predicate<Line> predicate) {
        return lines.stream().filter(predicate).toList();
    }
}
