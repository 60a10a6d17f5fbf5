package dev.ballast.system.observability;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The structural rules every board in grafana/dashboards follows (grafana/dashboard-linter's rules that matter here,
 * re-implemented because the linter is not installable): stable unique uid, current schema, datasource and namespace
 * variables used everywhere, a unit on every panel, $__rate_interval in rates, and PromQL that promtool parses.
 */
class DashboardStructureTest {

    /** file -> uid and main-dimension variable. A uid never changes: links and bookmarks use it. */
    private static final Map<String, List<String>> BOARDS = Map.of(
            "overview.json", List.of("ballast-overview", "instance"),
            "gateway.json", List.of("ballast-gateway", "route"),
            "autoscaling.json", List.of("ballast-autoscaling", "policy"),
            "ai-workloads.json", List.of("ballast-ai-workloads", "model"));
    private static final int SCHEMA_VERSION = 41;
    private static final String DATASOURCE_UID = "${datasource}";
    /** Unit ids from Grafana's valueFormats/categories.ts that these boards use. */
    private static final Set<String> UNITS = Set.of("short", "none", "percentunit", "percent", "s", "ms", "reqps",
            "cps", "ops", "Bps", "bytes", "watt", "celsius", "bool", "bool_yes_no", "bool_on_off");
    private static final Pattern RATE_WINDOW = Pattern.compile("\\b(rate|increase|irate)\\((?:[^()\\[]|\\([^()]*\\))*\\[([^\\]]+)]");

    static List<Dashboard> dashboards() {
        return Dashboard.all();
    }

    @Test
    @DisplayName("the four boards of issue 9 exist, each with its own stable uid")
    void boardsAndUids() {
        List<Dashboard> all = dashboards();

        assertThat(all).extracting(Dashboard::name).containsExactlyInAnyOrderElementsOf(BOARDS.keySet());
        assertThat(all).allSatisfy(d -> assertThat(d.uid()).as(d.name()).isEqualTo(BOARDS.get(d.name()).get(0)));
        assertThat(new HashSet<>(all.stream().map(Dashboard::uid).toList())).hasSameSizeAs(all);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dashboards")
    @DisplayName("a board uses the current schema, no saved id, the ballast tag and a Ballast title")
    void boardHeader(Dashboard d) {
        JsonNode json = d.json();

        assertThat(json.path("schemaVersion").asInt()).isEqualTo(SCHEMA_VERSION);
        assertThat(json.path("id").isNull()).as("id must be null (Grafana assigns it)").isTrue();
        assertThat(json.path("title").asText()).startsWith("Ballast / ");
        assertThat(json.path("tags").toString()).contains("\"ballast\"");
        assertThat(d.uid()).matches("[a-z0-9-]{8,40}");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dashboards")
    @DisplayName("a board has a datasource variable, a namespace variable and its main dimension, all on $datasource")
    void boardVariables(Dashboard d) {
        List<JsonNode> variables = d.variables();

        assertThat(variables).extracting(v -> v.path("name").asText())
                .containsExactly("datasource", "namespace", BOARDS.get(d.name()).get(1));
        JsonNode datasource = variables.get(0);
        assertThat(datasource.path("type").asText()).isEqualTo("datasource");
        assertThat(datasource.path("query").asText()).isEqualTo("prometheus");
        assertThat(datasource.path("label").asText()).isEqualTo("Data Source");
        assertThat(variables.subList(1, variables.size())).allSatisfy(v -> {
            assertThat(v.path("type").asText()).isEqualTo("query");
            assertThat(v.path("datasource").path("uid").asText()).isEqualTo(DATASOURCE_UID);
            assertThat(v.path("includeAll").asBoolean()).isTrue();
            assertThat(v.path("allValue").asText()).isEqualTo(".+");
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dashboards")
    @DisplayName("every panel has a title, a description, a known unit, the datasource variable and at least one query")
    void panels(Dashboard d) {
        List<JsonNode> panels = d.panels();

        assertThat(panels).isNotEmpty().allSatisfy(p -> {
            String title = p.path("title").asText();
            assertThat(title).isNotBlank();
            assertThat(p.path("description").asText()).as("%s description", title).isNotBlank();
            assertThat(p.path("fieldConfig").path("defaults").path("unit").asText()).as("%s unit", title).isIn(UNITS);
            assertThat(p.path("datasource").path("uid").asText()).as("%s datasource", title).isEqualTo(DATASOURCE_UID);
            assertThat(p.path("targets")).as("%s targets", title).isNotEmpty().allSatisfy(t -> {
                assertThat(t.path("datasource").path("uid").asText()).isEqualTo(DATASOURCE_UID);
                assertThat(t.path("refId").asText()).isNotBlank();
                assertThat(t.path("expr").asText()).isNotBlank();
            });
            JsonNode pos = p.path("gridPos");
            assertThat(pos.path("x").asInt() + pos.path("w").asInt()).as("%s fits 24 columns", title).isLessThanOrEqualTo(24);
        });
        List<Integer> ids = new ArrayList<>();
        d.json().path("panels").forEach(p -> {
            ids.add(p.path("id").asInt());
            p.path("panels").forEach(nested -> ids.add(nested.path("id").asInt()));
        });
        assertThat(ids).as("panel ids").doesNotHaveDuplicates();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dashboards")
    @DisplayName("every query filters on $namespace and takes rates over $__rate_interval")
    void queriesUseTheVariables(Dashboard d) {
        for (Dashboard.Query q : d.queries()) {
            assertThat(q.expr()).as(q.toString()).contains("namespace=~\"$namespace\"");
            Matcher m = RATE_WINDOW.matcher(q.expr());
            while (m.find()) {
                assertThat(m.group(2)).as("%s window of %s(", q, m.group(1)).isEqualTo("$__rate_interval");
            }
        }
    }

    @Test
    @DisplayName("provisioning gives a local Grafana the Prometheus datasource and a file provider for grafana/dashboards")
    void provisioning() {
        Path provisioning = ObservabilitySources.ROOT.resolve("grafana/provisioning");

        JsonNode datasources = ObservabilitySources.readYaml(provisioning.resolve("datasources/prometheus.yaml"));
        JsonNode providers = ObservabilitySources.readYaml(provisioning.resolve("dashboards/ballast.yaml"));

        assertThat(datasources.path("apiVersion").asInt()).isEqualTo(1);
        assertThat(datasources.path("datasources")).singleElement().satisfies(ds -> {
            assertThat(ds.path("type").asText()).isEqualTo("prometheus");
            assertThat(ds.path("uid").asText()).isEqualTo("prometheus");
            assertThat(ds.path("url").asText()).contains("127.0.0.1:9090");
            assertThat(ds.path("isDefault").asBoolean()).isTrue();
        });
        assertThat(providers.path("providers")).singleElement().satisfies(p -> {
            assertThat(p.path("type").asText()).isEqualTo("file");
            assertThat(p.path("folder").asText()).isEqualTo("Ballast");
            assertThat(p.path("options").path("path").asText()).isEqualTo("${BALLAST_DASHBOARDS}");
        });
    }

    @Test
    @DisplayName("the rate-window check finds a fixed window (so the rule above can fail)")
    void rateWindowCheckSeesFixedWindows() {
        Matcher m = RATE_WINDOW.matcher("sum by (x) (rate(foo_total{a=~\"$namespace\"}[5m]))");

        assertThat(m.find()).isTrue();
        assertThat(m.group(2)).isEqualTo("5m");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dashboards")
    @DisplayName("every panel, annotation and variable query parses as PromQL (promtool, variables substituted)")
    void queriesParse(Dashboard d, @TempDir Path work) throws IOException {
        List<Dashboard.Query> queries = new ArrayList<>(d.queries());
        queries.addAll(d.variableQueries());
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard-queries\n    rules:\n");
        for (int i = 0; i < queries.size(); i++) {
            rules.append("      - record: dashboard_query:n").append(i).append(":parse\n")
                    .append("        expr: ").append(ObservabilitySources.JSON.writeValueAsString(queries.get(i).substituted("1m")))
                    .append('\n');
        }
        Path file = Files.writeString(work.resolve(d.name() + ".rules.yml"), rules);

        Promtool.Result result = Promtool.checkRules(List.of(file));

        assertThat(result.exitCode()).as("promtool check rules on the queries of %s (rule n<i> = query i of %s) said:\n%s",
                d.name(), queries, result.output()).isZero();
        assertThat(result.output()).contains(queries.size() + " rules found");
    }
}
