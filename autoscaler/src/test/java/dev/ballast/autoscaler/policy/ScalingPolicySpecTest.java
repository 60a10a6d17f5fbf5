package dev.ballast.autoscaler.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The spec maps autoscaling/v2 JSON field for field and takes the API's defaults for what is omitted. */
class ScalingPolicySpecTest {

    private final ObjectMapper json = new ObjectMapper().findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    static final String HPA = """
            {
              "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "vllm"},
              "minReplicas": 2,
              "maxReplicas": 20,
              "metrics": [
                {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}},
                {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "2Gi"}}},
                {"type": "ContainerResource", "containerResource": {"name": "cpu", "container": "app", "target": {"type": "Utilization", "averageUtilization": 70}}},
                {"type": "Pods", "pods": {"metric": {"name": "requests_waiting"}, "target": {"type": "AverageValue", "averageValue": "500m"}}},
                {"type": "Object", "object": {"describedObject": {"apiVersion": "v1", "kind": "Service", "name": "vllm"},
                  "metric": {"name": "requests_per_second"}, "target": {"type": "Value", "value": "2k"}}},
                {"type": "External", "external": {"metric": {"name": "queue_depth", "selector": {"matchLabels": {"queue": "gpu"}}},
                  "target": {"type": "AverageValue", "averageValue": 30}}}
              ],
              "behavior": {
                "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
                  "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15}, {"type": "Percent", "value": 100, "periodSeconds": 15}],
                  "tolerance": "0.05"},
                "scaleDown": {"stabilizationWindowSeconds": 300, "selectPolicy": "Min",
                  "policies": [{"type": "Percent", "value": 10, "periodSeconds": 60}]}
              }
            }
            """;

    @Test
    @DisplayName("an autoscaling/v2 HPA spec reads field for field and writes back with the same JSON names")
    void roundTrip() throws Exception {
        ScalingPolicySpec spec = json.readValue(HPA, ScalingPolicySpec.class);

        assertThat(spec.metrics()).hasSize(6);
        assertThat(spec.metrics().get(1).target().averageValue().milli()).isEqualTo(2L * 1024 * 1024 * 1024 * 1000);
        assertThat(spec.metrics().get(3).target().averageValue().milli()).isEqualTo(500);
        assertThat(spec.metrics().get(4).target().value().milli()).isEqualTo(2_000_000);
        assertThat(spec.metrics().get(5).external().metric().selector().matchLabels()).containsEntry("queue", "gpu");
        assertThat(spec.behavior().scaleUp().tolerance().milli()).isEqualTo(50);
        assertThat(spec.behavior().scaleDown().selectPolicy()).isEqualTo(SelectPolicy.MIN);
        JsonNode original = json.readTree(HPA);
        JsonNode written = json.readTree(json.writeValueAsString(spec));
        ((com.fasterxml.jackson.databind.node.ObjectNode) original.get("metrics").get(5).get("external").get("target"))
                .put("averageValue", "30");
        assertThat(written).isEqualTo(original);
        assertThat(PolicyValidator.validate(spec, "spec")).isEmpty();
    }

    @Test
    @DisplayName("omitted fields take the API defaults: minReplicas 1, CPU at 80%, no behavior stays the legacy path")
    void defaults() throws Exception {
        ScalingPolicySpec spec = json.readValue("""
                {"scaleTargetRef": {"kind": "Deployment", "name": "x"}, "maxReplicas": 5}""", ScalingPolicySpec.class)
                .withDefaults();

        assertThat(spec.minReplicas()).isEqualTo(1);
        assertThat(spec.metrics()).containsExactly(MetricSpec.resource("cpu", MetricTarget.utilization(80)));
        assertThat(spec.behavior()).isNull();
        assertThat(spec.ballast().pollingIntervalSeconds()).isEqualTo(15);
        assertThat(spec.ballast().predictive().mode()).isEqualTo(BallastSpec.PredictiveMode.OFF);
    }

    @Test
    @DisplayName("an empty behavior gets both default rule sets; partial rules keep what they set")
    void behaviorDefaults() throws Exception {
        ScalingPolicySpec empty = json.readValue("""
                {"scaleTargetRef": {"kind": "Deployment", "name": "x"}, "maxReplicas": 5, "behavior": {}}""",
                ScalingPolicySpec.class).withDefaults();
        ScalingPolicySpec partial = json.readValue("""
                {"scaleTargetRef": {"kind": "Deployment", "name": "x"}, "maxReplicas": 5, "behavior": {
                  "scaleDown": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]},
                  "scaleUp": {"stabilizationWindowSeconds": 30}}}""", ScalingPolicySpec.class).withDefaults();

        HPAScalingRules up = empty.behavior().scaleUp();
        assertThat(up.stabilizationWindowSeconds()).isZero();
        assertThat(up.selectPolicy()).isEqualTo(SelectPolicy.MAX);
        assertThat(up.policies()).containsExactly(
                new HPAScalingRules.HPAScalingPolicy(ScalingPolicyType.PODS, 4, 15),
                new HPAScalingRules.HPAScalingPolicy(ScalingPolicyType.PERCENT, 100, 15));
        HPAScalingRules down = empty.behavior().scaleDown();
        assertThat(down.stabilizationWindowSeconds()).isEqualTo(300);
        assertThat(down.policies()).containsExactly(new HPAScalingRules.HPAScalingPolicy(ScalingPolicyType.PERCENT, 100, 15));

        assertThat(partial.behavior().scaleDown().stabilizationWindowSeconds()).isEqualTo(300);
        assertThat(partial.behavior().scaleDown().selectPolicy()).isEqualTo(SelectPolicy.MAX);
        assertThat(partial.behavior().scaleDown().policies()).containsExactly(
                new HPAScalingRules.HPAScalingPolicy(ScalingPolicyType.PODS, 1, 60));
        assertThat(partial.behavior().scaleUp().stabilizationWindowSeconds()).isEqualTo(30);
        assertThat(partial.behavior().scaleUp().policies()).hasSize(2);
    }

    @Test
    @DisplayName("the ballast block reads every extension")
    void ballastBlock() throws Exception {
        ScalingPolicySpec spec = json.readValue("""
                {"scaleTargetRef": {"kind": "Deployment", "name": "worker"}, "minReplicas": 0, "maxReplicas": 30,
                 "metrics": [{"type": "External", "external": {"metric": {"name": "celery_backlog"},
                   "target": {"type": "AverageValue", "averageValue": "10"}}}],
                 "ballast": {
                   "sources": [{"metric": "celery_backlog", "redisQueue": {"layout": "celery", "queue": "gpu"}}],
                   "pollingIntervalSeconds": 10,
                   "activation": {"thresholds": {"celery_backlog": "2"}, "cooldownSeconds": 120},
                   "fallback": {"failureThreshold": 3, "replicas": 4},
                   "predictive": {"mode": "forecast-and-scale", "method": "linear", "horizonSeconds": 900},
                   "burst": {"thresholdPercent": 250},
                   "priority": 10, "budgetGroup": "gpu-pool",
                   "override": {"replicas": 6, "reason": "launch", "expiresAt": "2026-01-01T13:00:00Z"}}}""",
                ScalingPolicySpec.class);

        assertThat(PolicyValidator.validate(spec, "spec")).isEmpty();
        BallastSpec b = spec.withDefaults().ballast();
        assertThat(b.sources().get(0).redisQueue().system()).isEqualTo(dev.ballast.taskqueues.QueueSystem.CELERY);
        assertThat(b.activation().thresholds().get("celery_backlog").milli()).isEqualTo(2000);
        assertThat(b.activation().initialCooldownSeconds()).isZero();
        assertThat(b.predictive().mode()).isEqualTo(BallastSpec.PredictiveMode.FORECAST_AND_SCALE);
        assertThat(b.predictive().seasonSeconds()).isEqualTo(86_400);
        assertThat(b.burst().stableWindowSeconds()).isEqualTo(60);
        assertThat(b.override().expiresAt()).isEqualTo(Instant.parse("2026-01-01T13:00:00Z"));
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("Kubernetes quantities parse to milli-units, rounding up like MilliValue()")
    @CsvSource(delimiter = '|', textBlock = """
            500m   | 500
            2      | 2000
            1.5    | 1500
            0.0001 | 1
            1k     | 1000000
            1M     | 1000000000
            1G     | 1000000000000
            1Ki    | 1024000
            128Mi  | 134217728000
            1Gi    | 1073741824000
            1e3    | 1000000
            2.5E-3 | 3
            """)
    void quantities(String text, long milli) {
        assertThat(Quantity.parse(text).milli()).isEqualTo(milli);
    }

    @ParameterizedTest(name = "{0}m is written {1}")
    @DisplayName("milli-values are written as Kubernetes writes DecimalSI quantities")
    @CsvSource({"500, 500m", "1500, 1500m", "2000, 2", "1500000, 1500", "20000000, 20k", "1000000000, 1M", "0, 0",
            "20666, 20666m", "1073741824000, 1073741824"})
    void canonicalText(long milli, String text) {
        assertThat(Quantity.ofMilli(milli).text()).isEqualTo(text);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @DisplayName("malformed quantities are refused with a message saying what a quantity looks like")
    @CsvSource({"abc", "1.2.3", "5Qi", "'12 m'", "m"})
    void badQuantities(String text) {
        assertThatThrownBy(() -> Quantity.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a quantity");
    }
}
