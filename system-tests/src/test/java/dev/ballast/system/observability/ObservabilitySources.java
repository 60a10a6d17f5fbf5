package dev.ballast.system.observability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where prometheus/ and grafana/ live and what they hold: rule files, promtool test files, runbooks and dashboards,
 * found from the test's working directory (Maven runs from system-tests/, an IDE may run from the repository root).
 */
final class ObservabilitySources {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();

    static final Path ROOT = findRepositoryRoot();
    static final Path PROMETHEUS = ROOT.resolve("prometheus");
    static final Path RULES = PROMETHEUS.resolve("rules");
    static final Path RULE_TESTS = PROMETHEUS.resolve("tests");
    static final Path RUNBOOKS = PROMETHEUS.resolve("RUNBOOKS.md");
    static final Path DASHBOARDS = ROOT.resolve("grafana/dashboards");

    private ObservabilitySources() {
    }

    static List<Path> ruleFiles() {
        return list(RULES, ".yml");
    }

    static List<Path> ruleTestFiles() {
        return list(RULE_TESTS, ".yml");
    }

    static List<Path> dashboardFiles() {
        return list(DASHBOARDS, ".json");
    }

    /** Every rule of every group of every rule file, in file order. */
    static List<Rule> rules() {
        List<Rule> out = new ArrayList<>();
        for (Path file : ruleFiles()) {
            for (JsonNode group : readYaml(file).path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    out.add(new Rule(file.getFileName().toString(), group.path("name").asText(), rule));
                }
            }
        }
        return out;
    }

    static List<Rule> alerts() {
        return rules().stream().filter(Rule::isAlert).toList();
    }

    static JsonNode readYaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file, e);
        }
    }

    static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file, e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> list(Path dir, String suffix) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path findRepositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("prometheus/rules")) && Files.isDirectory(dir.resolve("grafana"))) {
                return dir;
            }
        }
        throw new IllegalStateException("run the tests from the repository or from system-tests/: no prometheus/rules "
                + "above " + Path.of("").toAbsolutePath());
    }

    /** One alerting or recording rule as written in its file. */
    record Rule(String file, String group, JsonNode node) {

        boolean isAlert() {
            return node.has("alert");
        }

        String name() {
            return isAlert() ? node.path("alert").asText() : node.path("record").asText();
        }

        String expr() {
            return node.path("expr").asText();
        }

        String label(String key) {
            return node.path("labels").path(key).asText("");
        }

        String annotation(String key) {
            return node.path("annotations").path(key).asText("");
        }

        @Override
        public String toString() {
            return name();
        }
    }
}
