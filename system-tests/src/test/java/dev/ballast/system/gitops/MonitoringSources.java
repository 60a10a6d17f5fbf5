package dev.ballast.system.gitops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What prometheus/rules/ and grafana/dashboards/ hold, and how the monitoring objects that gitops/generate.sh wrote
 * differ from it. The comparison is semantic for rules (the same groups, in file-name order) and byte for byte for
 * dashboards (Grafana reads the ConfigMap value as the file).
 */
record MonitoringSources(Path root) {

    static final String RULE_NAME = "ballast";
    static final String DASHBOARD_LABEL = "grafana_dashboard";

    static List<Path> dashboardFiles() {
        return new MonitoringSources(GitopsTree.ROOT).dashboards();
    }

    List<Path> rules() {
        return list(root.resolve("prometheus/rules"), name -> name.endsWith(".yml") || name.endsWith(".yaml"));
    }

    List<Path> dashboards() {
        return list(root.resolve("grafana/dashboards"), name -> name.endsWith(".json"));
    }

    /** The groups of every rule file, concatenated in file-name order (what the PrometheusRule must hold). */
    JsonNode expectedGroups() {
        ArrayNode groups = Manifest.JSON.createArrayNode();
        for (Path file : rules()) {
            JsonNode content = Manifest.parseAll(file.toString(), read(file)).stream().findFirst()
                    .map(Manifest::node).orElseThrow(() -> new AssertionError(file + " holds no rule groups"));
            JsonNode fileGroups = content.path("groups");
            if (!fileGroups.isArray()) {
                throw new AssertionError(file + " must be a Prometheus rule file with a top-level `groups:` list");
            }
            groups.addAll((ArrayNode) fileGroups);
        }
        return groups;
    }

    /** dashboard ConfigMap name -> (data key -> file content), as gitops/generate.sh names them. */
    Map<String, Map<String, String>> expectedDashboards() {
        Map<String, Map<String, String>> out = new TreeMap<>();
        for (Path file : dashboards()) {
            out.put(configMapName(file), Map.of(file.getFileName().toString(), read(file)));
        }
        return out;
    }

    static String configMapName(Path dashboard) {
        String base = dashboard.getFileName().toString().replaceFirst("\\.json$", "").toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9-]", "-").replaceAll("-+", "-").replaceAll("^-|-$", "");
        return "ballast-dashboard-" + base;
    }

    /** Every way the generated objects differ from the sources; empty when they agree. */
    List<String> differences(List<Manifest> generated) {
        List<String> out = new ArrayList<>();
        List<Manifest> rulesObjects = generated.stream()
                .filter(m -> m.is("PrometheusRule") && m.name().equals(RULE_NAME)).toList();
        if (rulesObjects.size() != 1) {
            out.add("expected one PrometheusRule named " + RULE_NAME + ", found " + rulesObjects.size());
        } else {
            JsonNode actual = rulesObjects.get(0).spec().path("groups");
            JsonNode expected = expectedGroups();
            if (!expected.equals(actual)) {
                out.add("PrometheusRule " + RULE_NAME + " spec.groups differs from prometheus/rules/:\n  expected "
                        + expected + "\n  generated " + actual);
            }
        }
        Map<String, Map<String, String>> expected = expectedDashboards();
        Map<String, Manifest> actual = new TreeMap<>();
        generated.stream().filter(m -> m.is("ConfigMap") && m.labels().containsKey(DASHBOARD_LABEL))
                .forEach(m -> actual.put(m.name(), m));
        Set<String> names = new TreeSet<>(expected.keySet());
        names.addAll(actual.keySet());
        for (String name : names) {
            if (!actual.containsKey(name)) {
                out.add("no dashboard ConfigMap " + name + " for a file in grafana/dashboards/");
            } else if (!expected.containsKey(name)) {
                out.add("dashboard ConfigMap " + name + " has no source file in grafana/dashboards/");
            } else {
                Manifest configMap = actual.get(name);
                if (!"1".equals(configMap.labels().get(DASHBOARD_LABEL))) {
                    out.add("dashboard ConfigMap " + name + " must carry the label grafana_dashboard: \"1\"");
                }
                Map<String, String> data = Manifest.stringMap(configMap.node().path("data"));
                if (!data.equals(expected.get(name))) {
                    out.add("dashboard ConfigMap " + name + " does not hold its source file byte for byte");
                }
            }
        }
        return out;
    }

    private static List<Path> list(Path dir, java.util.function.Predicate<String> nameFilter) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> Files.isRegularFile(p) && nameFilter.test(p.getFileName().toString()))
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
