package dev.ballast.autoscaler.kube.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ballast.autoscaler.engine.Condition;
import dev.ballast.autoscaler.engine.Decision;
import dev.ballast.autoscaler.engine.MetricStatus;
import dev.ballast.autoscaler.engine.ScalingHistory;
import dev.ballast.autoscaler.policy.MetricTarget;
import dev.ballast.autoscaler.policy.PolicyValidator;
import dev.ballast.autoscaler.policy.Quantity;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import dev.ballast.autoscaler.policy.Violation;
import dev.ballast.autoscaler.runtime.PoliciesFile;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The status the autoscaler writes has the shape of the CRD's status schema (every field declared, with its type;
 * the printer columns point at real fields), currentMetrics in autoscaling/v2 MetricStatus form, and conditions that
 * keep their lastTransitionTime until their status changes.
 */
class PolicyStatusBodyTest {

    static final Path CRD = Path.of("../gitops/base/crds/scalingpolicies.ballast.dev.yaml");
    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    static final ScalingPolicySpec SPEC = spec("""
            scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: vllm}
            minReplicas: 1
            maxReplicas: 10
            metrics:
            - type: External
              external: {metric: {name: waiting, selector: {matchLabels: {model: llama}}}, target: {type: AverageValue, averageValue: "10"}}
            - type: Pods
              pods: {metric: {name: kv_cache}, target: {type: AverageValue, averageValue: "800m"}}
            - type: Object
              object: {describedObject: {apiVersion: v1, kind: Service, name: vllm}, metric: {name: rps}, target: {type: Value, value: "100"}}
            - type: Resource
              resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
            ballast:
              predictive: {mode: forecast-and-scale}
              sources:
              - metric: waiting
                prometheus: {query: "sum(waiting)"}
              - metric: kv_cache
                prometheus: {query: "kv"}
              - metric: rps
                prometheus: {query: "rps"}
            """);

    static ScalingPolicySpec spec(String yaml) {
        try {
            return PolicyValidator.validateAndDefault(PoliciesFile.spec(new ObjectMapper(new YAMLFactory()).readValue(yaml, Map.class)), "spec");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Decision decision() {
        List<MetricStatus> metrics = List.of(
                new MetricStatus("External", "waiting", MetricTarget.averageValue(Quantity.parse("10")), 4, null, Quantity.parse("35"), null, null),
                new MetricStatus("Pods", "kv_cache", MetricTarget.averageValue(Quantity.parse("800m")), 3, null, Quantity.parse("600m"), null, null),
                new MetricStatus("Object", "rps", MetricTarget.value(Quantity.parse("100")), 2, null, null, Quantity.parse("180"), null),
                new MetricStatus("Resource", "cpu", MetricTarget.utilization(70), null, null, null, null, "no metrics returned from resource metrics API"));
        List<Condition> conditions = List.of(
                Condition.of(Condition.ABLE_TO_SCALE, true, "SucceededRescale", "the HPA controller was able to update the target scale to 4"),
                Condition.of(Condition.SCALING_ACTIVE, true, "ValidMetricFound", "the HPA was able to successfully calculate a replica count from external metric waiting"),
                Condition.of(Condition.SCALING_LIMITED, false, "DesiredWithinRange", "the desired count is within the acceptable range"));
        Decision.Forecast forecast = new Decision.Forecast("forecast-and-scale", "holt-winters", 600,
                List.of(new Decision.MetricForecast("waiting", 35.0, 52.5, 6)), 6, true);
        return new Decision(NOW, 2, 4, true, "external metric waiting above target", metrics, conditions, forecast, ScalingHistory.EMPTY);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(Object o) {
        return JSON.convertValue(o, Map.class);
    }

    @Test
    @DisplayName("every field of a written status is declared in the CRD's status schema with its type, and the printer columns read real fields")
    void statusMatchesCrdSchema() throws Exception {
        JsonNode version = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(CRD)).path("spec").path("versions").get(0);
        JsonNode schema = version.path("schema").path("openAPIV3Schema").path("properties").path("status");

        Map<String, Object> status = json(PolicyStatusBody.of(SPEC, decision(), false, NOW, 3L, Map.of(), NOW));
        Map<String, Object> invalid = json(PolicyStatusBody.invalid(List.of(new Violation("spec.maxReplicas", "Required value")), 4L, Map.of(), NOW));

        List<String> problems = new ArrayList<>();
        conforms(schema, status, "status", problems);
        conforms(schema, invalid, "status", problems);
        assertThat(problems).isEmpty();
        for (JsonNode column : version.path("additionalPrinterColumns")) {
            String path = column.path("jsonPath").asText();
            if (path.startsWith(".status.")) {
                assertThat(status).as(column.path("name").asText() + " column").containsKey(path.substring(".status.".length()));
            }
        }
        assertThat(status.get("forecast")).asString().contains("replicas=6").contains("applied=true").contains("predictedPeak=52.5");
    }

    @Test
    @DisplayName("the CRD is namespaced, has the status subresource and exactly the printer columns Target, Min, Max, Current, Desired, Age")
    void crdScopeSubresourceAndColumns() throws Exception {
        JsonNode crd = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(CRD));
        JsonNode version = crd.path("spec").path("versions").get(0);

        assertThat(crd.path("spec").path("scope").asText()).as("scope").isEqualTo("Namespaced");
        assertThat(version.path("subresources").path("status").isObject()).as("status is a subresource").isTrue();
        List<List<String>> columns = new ArrayList<>();
        for (JsonNode column : version.path("additionalPrinterColumns")) {
            columns.add(List.of(column.path("name").asText(), column.path("type").asText(), column.path("jsonPath").asText()));
        }
        assertThat(columns).as("kubectl get scalingpolicies columns, in order").containsExactly(
                List.of("Target", "string", ".spec.scaleTargetRef.name"),
                List.of("Min", "integer", ".spec.minReplicas"),
                List.of("Max", "integer", ".spec.maxReplicas"),
                List.of("Current", "integer", ".status.currentReplicas"),
                List.of("Desired", "integer", ".status.desiredReplicas"),
                List.of("Age", "date", ".metadata.creationTimestamp"));
    }

    private static void conforms(JsonNode schema, Object value, String path, List<String> problems) {
        if (value == null) {
            return;
        }
        String type = schema.path("type").asText();
        boolean ok = switch (type) {
            case "object" -> value instanceof Map;
            case "array" -> value instanceof List;
            case "string" -> value instanceof String;
            case "integer" -> value instanceof Integer || value instanceof Long;
            case "number" -> value instanceof Number;
            case "boolean" -> value instanceof Boolean;
            default -> false;
        };
        if (!ok) {
            problems.add(path + ": " + value + " is not of type " + type);
            return;
        }
        if (schema.has("enum")) {
            List<String> allowed = new ArrayList<>();
            schema.path("enum").forEach(e -> allowed.add(e.asText()));
            if (!allowed.contains(String.valueOf(value))) {
                problems.add(path + ": " + value + " not in " + allowed);
            }
        }
        if (value instanceof Map<?, ?> map && !schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
            schema.path("required").forEach(r -> {
                if (!map.containsKey(r.asText())) {
                    problems.add(path + "." + r.asText() + ": required by the CRD");
                }
            });
            map.forEach((k, v) -> {
                JsonNode property = schema.path("properties").path(String.valueOf(k));
                if (property.isMissingNode()) {
                    problems.add(path + "." + k + ": not declared in the CRD status schema");
                } else {
                    conforms(property, v, path + "." + k, problems);
                }
            });
        }
        if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                conforms(schema.path("items"), list.get(i), path + "[" + i + "]", problems);
            }
        }
    }

    @Test
    @DisplayName("currentMetrics are autoscaling/v2 MetricStatus objects; a metric that could not be read is left out")
    void currentMetricsHaveHpaShape() {
        Map<String, Object> status = json(PolicyStatusBody.of(SPEC, decision(), false, NOW, 1L, Map.of(), NOW));

        assertThat(status.get("currentMetrics")).isEqualTo(List.of(
                Map.of("type", "External", "external", Map.of("metric", Map.of("name", "waiting", "selector", Map.of("matchLabels", Map.of("model", "llama"))),
                        "current", Map.of("averageValue", "35"))),
                Map.of("type", "Pods", "pods", Map.of("metric", Map.of("name", "kv_cache"), "current", Map.of("averageValue", "600m"))),
                Map.of("type", "Object", "object", Map.of("describedObject", Map.of("apiVersion", "v1", "kind", "Service", "name", "vllm"),
                        "metric", Map.of("name", "rps"), "current", Map.of("value", "180")))));
        assertThat(status).containsEntry("currentReplicas", 2).containsEntry("desiredReplicas", 4)
                .containsEntry("observedGeneration", 1L).containsEntry("lastScaleTime", "2026-03-01T12:00:00Z");
    }

    @ParameterizedTest(name = "previous {0}={1} -> now True: lastTransitionTime {2}")
    @CsvSource({
            "AbleToScale, True,  2026-01-01T00:00:00Z",
            "AbleToScale, False, 2026-03-01T12:00:00Z",
            "Unrelated,   True,  2026-03-01T12:00:00Z",
    })
    @DisplayName("a condition keeps its lastTransitionTime while its status stays the same, as the HPA's setCondition does")
    void transitionTimes(String previousType, String previousStatus, String expected) {
        Map<String, Object> previous = Map.of("conditions", List.of(Map.of("type", previousType, "status", previousStatus,
                "lastTransitionTime", "2026-01-01T00:00:00Z", "reason", "X", "message", "x")));

        List<Map<String, Object>> conditions = PolicyStatusBody.conditions(
                List.of(Condition.of("AbleToScale", true, "SucceededRescale", "ok")), previous, NOW);

        assertThat(conditions).singleElement().satisfies(c -> assertThat(c).containsEntry("lastTransitionTime", expected));
    }

    @Test
    @DisplayName("when the scale cannot be read, replicas and metrics stay as they were and AbleToScale says why")
    void unreadableScaleKeepsReplicas() {
        Map<String, Object> previous = Map.of("currentReplicas", 5, "desiredReplicas", 6, "currentMetrics", List.of());
        Decision failed = new Decision(NOW, 0, 0, false, "404", List.of(),
                List.of(Condition.of(Condition.ABLE_TO_SCALE, false, "FailedGetScale", "the HPA controller was unable to get the target's current scale: 404")),
                null, ScalingHistory.EMPTY);

        Map<String, Object> status = json(PolicyStatusBody.of(SPEC, failed, true, null, 2L, previous, NOW));

        assertThat(status).containsEntry("currentReplicas", 5).containsEntry("desiredReplicas", 6).doesNotContainKey("forecast");
        assertThat(status.get("conditions")).asString().contains("FailedGetScale");
    }
}
