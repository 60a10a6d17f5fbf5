package dev.ballast.system.observability;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ballast.system.observability.ObservabilitySources.Rule;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * prometheus/rules/ as issue 9 asks: promtool accepts the rules and passes the unit tests in prometheus/tests/, every
 * alert carries severity, summary, description and a runbook_url naming its section of RUNBOOKS.md (the monitoring
 * mixins style guide), and every alert has a firing and a silent test case.
 */
class AlertRulesTest {

    static final String RUNBOOK_BASE = "https://github.com/ballast-dev/ballast/blob/main/prometheus/RUNBOOKS.md#";
    private static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");
    private static final Pattern RECORD_NAME = Pattern.compile("[a-z_]+:[a-z0-9_]+:[a-z0-9_]+");

    static List<Rule> alerts() {
        return ObservabilitySources.alerts();
    }

    @Test
    @DisplayName("promtool check rules accepts every rule file")
    void promtoolAcceptsTheRules() {
        Promtool.Result result = Promtool.checkRules(ObservabilitySources.ruleFiles());

        assertThat(result.exitCode()).as("promtool check rules said:\n%s", result.output()).isZero();
        assertThat(result.output()).doesNotContain("FAILED");
    }

    @Test
    @DisplayName("promtool test rules passes every unit-test file in prometheus/tests")
    void promtoolUnitTestsPass() {
        List<Path> tests = ObservabilitySources.ruleTestFiles();

        Promtool.Result result = Promtool.testRules(tests);

        assertThat(tests).isNotEmpty();
        assertThat(result.exitCode()).as("promtool test rules said:\n%s", result.output()).isZero();
        assertThat(result.output().split("SUCCESS", -1)).hasSize(tests.size() + 1);
    }

    @Test
    @DisplayName("the rules cover every alert issue 9 lists, under unique Ballast-prefixed names")
    void alertsCoverTheIssue() {
        List<String> names = alerts().stream().map(Rule::name).toList();

        assertThat(new HashSet<>(names)).hasSameSizeAs(names);
        assertThat(names).allMatch(n -> n.matches("Ballast[A-Z][A-Za-z0-9]+"));
        assertThat(names).contains(
                "BallastHighRequestRate", "BallastHighResponseTime", "BallastTaskQueueLong", "BallastHighCpu",
                "BallastAutoscalerScalingFailed",
                "BallastGatewayUpstreamDown", "BallastGatewayHighErrorRatio", "BallastGatewayCircuitBreakerRejecting",
                "BallastGatewayRetryBudgetExhausted",
                "BallastAutoscalerMaxedOut", "BallastAutoscalerMetricsUnavailable", "BallastAutoscalerNoLeader",
                "BallastAutoscalerReplicasMismatch",
                "BallastInferenceTimeToFirstTokenHigh", "BallastInferenceKvCacheNearFull",
                "BallastTaskQueueBacklogGrowing", "BallastExporterCollectorDown");
    }

    @Test
    @DisplayName("recording rules are named level:metric:operations, as kube-prometheus names them")
    void recordingRuleNames() {
        List<String> records = ObservabilitySources.rules().stream().filter(r -> !r.isAlert()).map(Rule::name).toList();

        assertThat(records).isNotEmpty().allMatch(n -> RECORD_NAME.matcher(n).matches());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("alerts")
    @DisplayName("an alert has a severity, a summary, a templated description and a runbook section")
    void alertIsDocumented(Rule alert) {
        String name = alert.name();

        assertThat(alert.label("severity")).as("%s severity", name).isIn(SEVERITIES);
        assertThat(alert.annotation("summary")).as("%s summary", name).isNotBlank().endsWith(".");
        assertThat(alert.annotation("description")).as("%s description", name).contains("{{ $");
        assertThat(alert.annotation("runbook_url")).as("%s runbook_url", name)
                .isEqualTo(RUNBOOK_BASE + name.toLowerCase(Locale.ROOT));
        assertThat(runbookSections()).as("sections of prometheus/RUNBOOKS.md").contains(name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("alerts")
    @DisplayName("an alert has a promtool case where it fires, with labels and annotations, and one where it stays silent")
    void alertIsUnitTested(Rule alert) {
        List<JsonNode> cases = alertCases(alert.name());

        assertThat(cases).as("alert_rule_test cases for %s in prometheus/tests", alert.name())
                .anySatisfy(c -> {
                    assertThat(c.path("exp_alerts")).isNotEmpty();
                    assertThat(c.path("exp_alerts").get(0).path("exp_labels").path("severity").asText())
                            .isEqualTo(alert.label("severity"));
                    assertThat(c.path("exp_alerts").get(0).path("exp_annotations").path("runbook_url").asText())
                            .isEqualTo(alert.annotation("runbook_url"));
                })
                .anySatisfy(c -> assertThat(c.path("exp_alerts")).isEmpty());
    }

    @Test
    @DisplayName("every runbook section belongs to an alert that exists")
    void noOrphanRunbookSections() {
        Set<String> alertNames = new TreeSet<>(alerts().stream().map(Rule::name).toList());

        assertThat(runbookSections()).isEqualTo(alertNames);
    }

    private static Set<String> runbookSections() {
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^## (\\S+)\\s*$").matcher(ObservabilitySources.read(ObservabilitySources.RUNBOOKS));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static List<JsonNode> alertCases(String alertName) {
        return ObservabilitySources.ruleTestFiles().stream()
                .flatMap(f -> stream(ObservabilitySources.readYaml(f).path("tests")))
                .flatMap(t -> stream(t.path("alert_rule_test")))
                .filter(c -> c.path("alertname").asText().equals(alertName))
                .toList();
    }

    private static java.util.stream.Stream<JsonNode> stream(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false);
    }
}
