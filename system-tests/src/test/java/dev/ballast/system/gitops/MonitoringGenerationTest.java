package dev.ballast.system.gitops;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The PrometheusRule and the dashboard ConfigMaps in components/monitoring equal what prometheus/rules/ and
 * grafana/dashboards/ hold, so rules and dashboards tested elsewhere are exactly what clusters get.
 */
class MonitoringGenerationTest {

    @Test
    @DisplayName("the shipped PrometheusRule and dashboard ConfigMaps equal the rule files and dashboard files")
    void generatedObjectsEqualTheirSources() {
        List<Manifest> shipped = Manifest.rendered("components/monitoring");

        assertThat(new MonitoringSources(GitopsTree.ROOT).differences(shipped))
                .as("differences between gitops/components/monitoring and prometheus/, grafana/ "
                        + "(run gitops/generate.sh and commit the result)")
                .isEmpty();
    }

    @Test
    @DisplayName("the PrometheusRule is labelled for kube-prometheus-stack's and kube-prometheus's rule selectors")
    void ruleIsSelectedByThePrometheusOperator() {
        Manifest rule = Manifest.rendered("components/monitoring").stream()
                .filter(m -> m.is("PrometheusRule")).findFirst().orElseThrow();

        assertThat(rule.labels()).containsEntry("release", "kube-prometheus-stack")
                .containsEntry("prometheus", "k8s").containsEntry("role", "alert-rules");
    }

    @Test
    @DisplayName("the shipped PrometheusRule's spec is a rule file promtool accepts")
    void shippedRulesPassPromtool(@TempDir Path work) throws Exception {
        Manifest rule = Manifest.rendered("components/monitoring").stream()
                .filter(m -> m.is("PrometheusRule")).findFirst().orElseThrow();

        Result check = promtoolCheck(rule, work);

        assertThat(check.exitCode()).as("promtool check rules said:\n%s", check.output()).isZero();
    }

    @Test
    @DisplayName("generate.sh --check finds the committed files up to date")
    void generatorCheckPasses() throws Exception {
        Result result = run(GitopsTree.ROOT, "bash", "gitops/generate.sh", "--check");

        assertThat(result.exitCode()).as("gitops/generate.sh --check said:\n%s", result.output()).isZero();
    }

    @Test
    @DisplayName("rules in both YAML list styles and dashboards with any line endings come out equal to their sources, "
            + "and a source changed afterwards is reported")
    void generatorOutputMatchesSamplesAndStaleOutputIsCaught(@TempDir Path tree) throws Exception {
        Files.createDirectories(tree.resolve("gitops"));
        Files.copy(GitopsTree.GITOPS.resolve("generate.sh"), tree.resolve("gitops/generate.sh"));
        write(tree.resolve("prometheus/rules/ballast-alerts.yml"), """
                # alerts
                groups:
                - name: ballast-gateway
                  rules:
                  - alert: BallastGatewayDown
                    expr: up{job="api-gateway"} == 0
                    for: 5m
                    labels:
                      severity: critical
                    annotations:
                      summary: The gateway is down.
                """);
        write(tree.resolve("prometheus/rules/ballast-recording.yaml"), """
                groups:
                  - name: ballast-recording
                    rules:
                      - record: job:http_server_requests_seconds_count:rate5m
                        expr: |
                          sum by (job) (
                            rate(http_server_requests_seconds_count[5m])
                          )
                """);
        write(tree.resolve("grafana/dashboards/Ballast Overview.json"), "{\n  \"title\": \"Ballast\",\n\n  \"panels\": []\n}\n");
        write(tree.resolve("grafana/dashboards/compact.json"), "{\"title\":\"compact\"}");
        MonitoringSources sources = new MonitoringSources(tree);

        Result generation = run(tree, "bash", "gitops/generate.sh");
        List<Manifest> generated = generatedObjects(tree);

        assertThat(generation.exitCode()).as(generation.output()).isZero();
        assertThat(sources.expectedGroups()).hasSize(2);
        assertThat(generated).filteredOn(m -> m.is("ConfigMap")).extracting(Manifest::name)
                .containsExactly("ballast-dashboard-ballast-overview", "ballast-dashboard-compact");
        assertThat(sources.differences(generated)).isEmpty();
        Result promtool = promtoolCheck(generated.get(0), tree);
        assertThat(promtool.exitCode()).as(promtool.output()).isZero();
        assertThat(promtool.output()).contains("2 rules found");

        Files.writeString(tree.resolve("prometheus/rules/ballast-alerts.yml"), """
                - name: added-later
                  rules:
                  - record: job:up:sum
                    expr: sum by (job) (up)
                """, StandardOpenOption.APPEND);
        Files.delete(tree.resolve("grafana/dashboards/compact.json"));

        assertThat(sources.differences(generatedObjects(tree))).hasSize(2)
                .anySatisfy(d -> assertThat(d).contains("spec.groups differs"))
                .anySatisfy(d -> assertThat(d).contains("ballast-dashboard-compact has no source file"));
        assertThat(run(tree, "bash", "gitops/generate.sh", "--check").exitCode()).isNotZero();
    }

    @Test
    @DisplayName("with no rule files the generator still writes a valid PrometheusRule with no groups")
    void emptySourcesGiveAnEmptyRule(@TempDir Path tree) throws Exception {
        Files.createDirectories(tree.resolve("gitops"));
        Files.copy(GitopsTree.GITOPS.resolve("generate.sh"), tree.resolve("gitops/generate.sh"));

        Result generation = run(tree, "bash", "gitops/generate.sh");
        List<Manifest> generated = generatedObjects(tree);

        assertThat(generation.exitCode()).as(generation.output()).isZero();
        assertThat(generated).singleElement().satisfies(rule -> {
            assertThat(rule.kind()).isEqualTo("PrometheusRule");
            assertThat(rule.spec().path("groups").isArray()).isTrue();
            assertThat(rule.spec().path("groups")).isEmpty();
        });
    }

    /** Writes a PrometheusRule's spec as a plain rule file and runs promtool check rules on it. */
    private static Result promtoolCheck(Manifest rule, Path work) throws Exception {
        Path ruleFile = work.resolve("extracted-rules.yml");
        Files.writeString(ruleFile, Manifest.YAML.writeValueAsString(rule.spec()));
        return run(work, promtool(), "check", "rules", ruleFile.toString());
    }

    private static String promtool() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "promtool");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new AssertionError("promtool is not on the PATH: install the Debian package `prometheus` "
                + "(apt-get install -y prometheus, which ./ballast test does) and run the tests again");
    }

    private static List<Manifest> generatedObjects(Path tree) throws IOException {
        Path monitoring = tree.resolve("gitops/components/monitoring");
        List<Manifest> out = new ArrayList<>(Manifest.parseAll("prometheusrule.yaml",
                Files.readString(monitoring.resolve("prometheusrule.yaml"))));
        try (Stream<Path> files = Files.list(monitoring.resolve("dashboards"))) {
            for (Path file : files.filter(f -> !f.getFileName().toString().equals("kustomization.yaml")).sorted().toList()) {
                out.addAll(Manifest.parseAll(file.toString(), Files.readString(file)));
            }
        }
        return out;
    }

    private static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    record Result(int exitCode, String output) {
    }

    private static Result run(Path workingDirectory, String... command) throws Exception {
        Process process = new ProcessBuilder(command).directory(workingDirectory.toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within 60 s");
        }
        return new Result(process.exitValue(), output);
    }
}
