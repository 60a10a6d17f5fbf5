package dev.ballast.exporter.testing;

import io.restassured.RestAssured;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The exporter's {@code /q/metrics} text, parsed into series so tests can ask for one value by name and labels. */
public final class MetricsText {

    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    public record Series(String name, Map<String, String> labels, double value) {
    }

    private final String text;
    private final List<Series> series;

    private MetricsText(String text) {
        this.text = text;
        this.series = text.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).map(MetricsText::parse).toList();
    }

    public static MetricsText scrape() {
        return new MetricsText(RestAssured.given().accept("text/plain").get("/q/metrics").then().statusCode(200).extract().asString());
    }

    public static MetricsText of(String text) {
        return new MetricsText(text);
    }

    public String text() {
        return text;
    }

    private static Series parse(String line) {
        int brace = line.indexOf('{');
        int space = line.lastIndexOf(' ');
        Map<String, String> labels = new HashMap<>();
        String name;
        if (brace >= 0 && brace < space) {
            name = line.substring(0, brace);
            Matcher m = LABEL.matcher(line.substring(brace, line.lastIndexOf('}') + 1));
            while (m.find()) {
                labels.put(m.group(1), m.group(2));
            }
        } else {
            name = line.substring(0, line.indexOf(' '));
        }
        String rest = brace >= 0 && brace < space ? line.substring(line.lastIndexOf('}') + 1) : line.substring(line.indexOf(' '));
        String[] parts = rest.trim().split(" ");
        return new Series(name, labels, Double.parseDouble(parts[0].replace("+Inf", "Infinity")));
    }

    /** The value of the one series with this name whose labels include the given pairs. */
    public Optional<Double> value(String name, String... labelPairs) {
        Map<String, String> wanted = new LinkedHashMap<>();
        for (int i = 0; i < labelPairs.length; i += 2) {
            wanted.put(labelPairs[i], labelPairs[i + 1]);
        }
        List<Series> matches = series.stream()
                .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(wanted.entrySet())).toList();
        if (matches.size() > 1) {
            throw new AssertionError("More than one series " + name + wanted + ": " + matches);
        }
        return matches.stream().findFirst().map(Series::value);
    }

    public List<Series> all(String name) {
        return series.stream().filter(s -> s.name().equals(name)).toList();
    }
}
