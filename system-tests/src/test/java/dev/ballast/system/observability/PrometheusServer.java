package dev.ballast.system.observability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The real Debian `prometheus` run with a config derived from prometheus/prometheus.yml: the same jobs, metrics paths
 * and target labels, targets moved to the stack's free ports, a 1 s scrape and evaluation interval, and the rules of
 * prometheus/rules with every `for` cut to 0s (so an alert fires within seconds; `for` itself is proven by the
 * promtool unit tests). Queried through its HTTP API.
 */
final class PrometheusServer implements AutoCloseable {

    private final ServiceProcess process;
    private final String base;

    private PrometheusServer(ServiceProcess process, String base) {
        this.process = process;
        this.base = base;
    }

    /** jobTargets: job name of prometheus.yml -> the host:port list to scrape for it here; port: where it listens. */
    static PrometheusServer start(Map<String, List<String>> jobTargets, int port, Path work) throws IOException {
        Path binary = Promtool.onPath("prometheus");
        Path rules = Files.createDirectories(work.resolve("rules"));
        for (Path file : ObservabilitySources.ruleFiles()) {
            JsonNode content = ObservabilitySources.readYaml(file);
            for (JsonNode group : content.path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    if (rule.has("for")) {
                        ((ObjectNode) rule).put("for", "0s");
                    }
                }
            }
            ObservabilitySources.YAML.writeValue(rules.resolve(file.getFileName().toString()).toFile(), content);
        }
        ObjectNode config = (ObjectNode) ObservabilitySources.readYaml(ObservabilitySources.PROMETHEUS.resolve("prometheus.yml"));
        ((ObjectNode) config.path("global")).put("scrape_interval", "1s").put("evaluation_interval", "1s");
        config.putArray("rule_files").add(rules.toAbsolutePath() + "/*.yml");
        for (JsonNode job : config.path("scrape_configs")) {
            String name = job.path("job_name").asText();
            List<String> targets = jobTargets.get(name);
            if (targets == null) {
                throw new AssertionError("prometheus/prometheus.yml has job " + name + " that the live stack does not start");
            }
            ((ObjectNode) job).put("scrape_timeout", "1s");
            ArrayNode list = (ArrayNode) job.path("static_configs").get(0).path("targets");
            list.removeAll();
            targets.forEach(list::add);
        }
        Path configFile = work.resolve("prometheus.yml");
        ObservabilitySources.YAML.writeValue(configFile.toFile(), config);
        String base = "http://127.0.0.1:" + port;
        ServiceProcess process = ServiceProcess.start("prometheus", List.of(binary.toString(),
                "--config.file=" + configFile, "--storage.tsdb.path=" + work.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port, "--log.level=warn"),
                work, URI.create(base + "/-/ready"));
        return new PrometheusServer(process, base);
    }

    boolean ready() {
        return process.ready();
    }

    String logTail() {
        return process.logTail();
    }

    /** /api/v1/query at now; the `data` node, or an AssertionError carrying Prometheus' error. */
    JsonNode query(String promql) {
        return api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    JsonNode targets() {
        return api("/api/v1/targets?state=active");
    }

    JsonNode rules() {
        return api("/api/v1/rules");
    }

    JsonNode alerts() {
        return api("/api/v1/alerts");
    }

    private JsonNode api(String path) {
        try {
            HttpResponse<String> response = ServiceProcess.HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = ObservabilitySources.JSON.readTree(response.body());
            if (!body.path("status").asText().equals("success")) {
                throw new AssertionError("Prometheus answered " + response.statusCode() + " to " + path + ": "
                        + body.path("errorType").asText() + ": " + body.path("error").asText());
            }
            return body.path("data");
        } catch (IOException e) {
            // An AssertionError, so that Awaitility retries it: on a loaded 2-core machine a query can time out.
            throw new AssertionError("Prometheus at " + base + " did not answer " + path + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        process.close();
    }
}
