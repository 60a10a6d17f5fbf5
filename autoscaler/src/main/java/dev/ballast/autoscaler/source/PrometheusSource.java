package dev.ballast.autoscaler.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ballast.autoscaler.config.AutoscalerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Values from the Prometheus HTTP API (/api/v1/query, /api/v1/query_range), as KEDA's prometheus scaler reads them,
 * except that an empty result is missing data and never zero (Ballast's rule; see keda#3065 on ignoreNullValues).
 * NaN and ±Inf are missing data too.
 */
@ApplicationScoped
public class PrometheusSource implements MetricSource {

    private final HttpClient http;
    private final Duration timeout;
    private final Clock clock;
    private final ObjectMapper json;

    @Inject
    PrometheusSource(AutoscalerConfig config, Clock clock, ObjectMapper json) {
        this(config.runtime().fetchTimeout(), clock, json);
    }

    PrometheusSource(Duration timeout, Clock clock, ObjectMapper json) {
        this.timeout = timeout;
        this.clock = clock;
        this.json = json;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public String name() {
        return "prometheus";
    }

    @Override
    public boolean accepts(MetricQuery query) {
        return query instanceof MetricQuery.PrometheusInstant || query instanceof MetricQuery.PrometheusPerPod
                || query instanceof MetricQuery.PrometheusRange;
    }

    @Override
    public SourceValue fetch(MetricQuery query) throws MissingDataException {
        if (query instanceof MetricQuery.PrometheusInstant q) {
            return SourceValue.single(SourceValue.toMilli(single(q.server(), q.query())));
        }
        if (query instanceof MetricQuery.PrometheusPerPod q) {
            return SourceValue.perPod(perPod(q.server(), q.query()));
        }
        if (query instanceof MetricQuery.PrometheusRange q) {
            return SourceValue.series(range(q));
        }
        throw new IllegalArgumentException("not a Prometheus query: " + query);
    }

    private double single(String server, String query) throws MissingDataException {
        JsonNode data = get(server, "/api/v1/query?query=" + encode(query), query);
        String type = data.path("resultType").asText();
        JsonNode result = data.path("result");
        if ("scalar".equals(type)) {
            return sampleValue(result, query);
        }
        if (!"vector".equals(type)) {
            throw new MissingDataException("query '" + query + "' returned a " + type + ", expected a vector or scalar");
        }
        if (result.isEmpty()) {
            throw new MissingDataException("query '" + query + "' returned an empty result");
        }
        if (result.size() > 1) {
            throw new MissingDataException("query '" + query + "' returned " + result.size()
                    + " series, expected one (aggregate it, e.g. sum(...))");
        }
        return sampleValue(result.get(0).path("value"), query);
    }

    private Map<String, Long> perPod(String server, String query) throws MissingDataException {
        JsonNode data = get(server, "/api/v1/query?query=" + encode(query), query);
        if (!"vector".equals(data.path("resultType").asText())) {
            throw new MissingDataException("query '" + query + "' must return a vector with one series per pod");
        }
        Map<String, Long> out = new HashMap<>();
        for (JsonNode series : data.path("result")) {
            String pod = series.path("metric").path("pod").asText("");
            if (pod.isEmpty()) {
                throw new MissingDataException("query '" + query + "' returned a series without a pod label");
            }
            out.put(pod, SourceValue.toMilli(sampleValue(series.path("value"), query)));
        }
        if (out.isEmpty()) {
            throw new MissingDataException("query '" + query + "' returned an empty result");
        }
        return out;
    }

    private List<Double> range(MetricQuery.PrometheusRange q) throws MissingDataException {
        Instant end = clock.instant();
        Instant start = end.minus(q.lookback());
        JsonNode data = get(q.server(), "/api/v1/query_range?query=" + encode(q.query()) + "&start=" + start.getEpochSecond()
                + "&end=" + end.getEpochSecond() + "&step=" + q.step().toSeconds(), q.query());
        JsonNode result = data.path("result");
        if (result.size() != 1) {
            throw new MissingDataException("range query '" + q.query() + "' returned " + result.size() + " series, expected one");
        }
        List<Double> values = new ArrayList<>();
        for (JsonNode point : result.get(0).path("values")) {
            values.add(sampleValue(point, q.query()));
        }
        return values;
    }

    private JsonNode get(String server, String pathAndQuery, String query) throws MissingDataException {
        URI uri = URI.create(stripSlash(server) + pathAndQuery);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new MissingDataException("Prometheus at " + server + " did not answer within " + timeout.toMillis() + " ms", e);
        } catch (IOException e) {
            throw new MissingDataException("Prometheus at " + server + " is unreachable: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MissingDataException("interrupted while querying Prometheus", e);
        }
        JsonNode body;
        try {
            body = json.readTree(response.body());
        } catch (IOException e) {
            throw new MissingDataException("Prometheus at " + server + " answered HTTP " + response.statusCode()
                    + " with a body that is not JSON", e);
        }
        if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new MissingDataException("query '" + query + "' failed: HTTP " + response.statusCode() + " "
                    + body.path("errorType").asText("") + " " + body.path("error").asText(""));
        }
        return body.path("data");
    }

    /** A [timestamp, "value"] pair; Prometheus writes values as strings, including "NaN" and "+Inf". */
    private static double sampleValue(JsonNode pair, String query) throws MissingDataException {
        String text = pair.path(1).asText();
        double v;
        try {
            // Go's strconv.FormatFloat writes +Inf/-Inf, which Double.parseDouble does not read
            v = text.endsWith("Inf") ? (text.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY)
                    : Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new MissingDataException("query '" + query + "' returned a sample that is not a number: " + pair);
        }
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            throw new MissingDataException("query '" + query + "' returned " + v);
        }
        return v;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
