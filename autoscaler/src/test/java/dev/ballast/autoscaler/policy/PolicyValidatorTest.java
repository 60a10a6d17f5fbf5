package dev.ballast.autoscaler.policy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Validation: each row breaks one rule of the HPA API or of a Ballast extension and expects the field path and the
 * problem. The base spec is valid, so every violation comes from the row's patch.
 */
class PolicyValidatorTest {

    private final ObjectMapper json = new ObjectMapper().findAndRegisterModules();

    private static final String BASE = """
            {"scaleTargetRef": {"kind": "Deployment", "name": "x"}, "minReplicas": 1, "maxReplicas": 5,
             "metrics": [{"type": "External", "external": {"metric": {"name": "queue"},
               "target": {"type": "AverageValue", "averageValue": "10"}}}]}""";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            maxReplicas missing            | {"maxReplicas": null}                          | spec.maxReplicas                 | Required value
            maxReplicas below minReplicas  | {"minReplicas": 6}                             | spec.maxReplicas                 | must be greater than or equal to `minReplicas`
            maxReplicas zero               | {"maxReplicas": 0}                             | spec.maxReplicas                 | must be greater than 0
            minReplicas 0 with only pod metrics | {"minReplicas": 0, "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]} | spec.minReplicas | unless at least one Object or External metric is configured
            negative minReplicas           | {"minReplicas": -1}                            | spec.minReplicas                 | must be greater than or equal to 0
            target name missing            | {"scaleTargetRef": {"kind": "Deployment"}}     | spec.scaleTargetRef.name         | Required value
            metric type missing            | {"metrics": [{"resource": {"name": "cpu"}}]}   | spec.metrics[0].type             | must specify a metric source type
            source block missing           | {"metrics": [{"type": "Pods"}]}                | spec.metrics[0].pods             | must populate information for the given metric source
            two source blocks              | {"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}, "pods": {}}]} | spec.metrics[0].type | must populate the given metric source only
            utilization not positive       | {"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 0}}}]} | spec.metrics[0].resource.target.averageUtilization | must be greater than 0
            Value target on a Resource     | {"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Value", "value": "1"}}}]} | spec.metrics[0].resource.target.type | must set either a target raw value
            Pods metric needs AverageValue | {"metrics": [{"type": "Pods", "pods": {"metric": {"name": "q"}, "target": {"type": "Value", "value": "1"}}}]} | spec.metrics[0].pods.target.averageValue | must specify a positive target averageValue
            negative average value         | {"metrics": [{"type": "External", "external": {"metric": {"name": "q"}, "target": {"type": "AverageValue", "averageValue": "-1"}}}]} | spec.metrics[0].external.target.averageValue | must be positive
            object without described object | {"metrics": [{"type": "Object", "object": {"metric": {"name": "q"}, "target": {"type": "Value", "value": "1"}}}]} | spec.metrics[0].object.describedObject | Required value
            stabilization over an hour     | {"behavior": {"scaleDown": {"stabilizationWindowSeconds": 3601}}} | spec.behavior.scaleDown.stabilizationWindowSeconds | must be less than or equal to 3600
            period over half an hour       | {"behavior": {"scaleUp": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 1801}]}}} | spec.behavior.scaleUp.policies[0].periodSeconds | must be less than or equal to 1800
            period zero                    | {"behavior": {"scaleUp": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 0}]}}} | spec.behavior.scaleUp.policies[0].periodSeconds | must be greater than zero
            policy value zero              | {"behavior": {"scaleUp": {"policies": [{"type": "Percent", "value": 0, "periodSeconds": 15}]}}} | spec.behavior.scaleUp.policies[0].value | must be greater than zero
            empty policy list              | {"behavior": {"scaleUp": {"policies": []}}}     | spec.behavior.scaleUp.policies   | must specify at least one Policy
            negative tolerance             | {"behavior": {"scaleUp": {"tolerance": "-0.1"}}} | spec.behavior.scaleUp.tolerance | must be greater than or equal to 0
            source for an unknown metric   | {"ballast": {"sources": [{"metric": "nope", "prometheus": {"query": "up"}}]}} | spec.ballast.sources[0].metric | no Pods, Object or External metric of spec.metrics has this name
            source with two back ends      | {"ballast": {"sources": [{"metric": "queue", "prometheus": {"query": "up"}, "redisQueue": {"layout": "rq", "queue": "q"}}]}} | spec.ballast.sources[0] | exactly one of prometheus and redisQueue
            unknown queue layout           | {"ballast": {"sources": [{"metric": "queue", "redisQueue": {"layout": "kafka", "queue": "q"}}]}} | spec.ballast.sources[0].redisQueue.layout | use one of celery, rq, bullmq, sidekiq, list
            redis queue without a name     | {"ballast": {"sources": [{"metric": "queue", "redisQueue": {"layout": "bullmq"}}]}} | spec.ballast.sources[0].redisQueue.queue | Required value
            activation without minReplicas 0 | {"ballast": {"activation": {}}}              | spec.ballast.activation          | only with spec.minReplicas: 0
            fallback without threshold     | {"ballast": {"fallback": {"replicas": 2}}}     | spec.ballast.fallback.failureThreshold | must be at least 1
            fallback above max             | {"ballast": {"fallback": {"failureThreshold": 3, "replicas": 9}}} | spec.ballast.fallback.replicas | must not exceed spec.maxReplicas
            burst threshold not above 100  | {"ballast": {"burst": {"thresholdPercent": 100}}} | spec.ballast.burst.thresholdPercent | must be above 100
            smoothing factor above 1       | {"ballast": {"predictive": {"alpha": 1.5}}}    | spec.ballast.predictive.alpha    | must be between 0 and 1
            budget group not a DNS label   | {"ballast": {"budgetGroup": "GPU Pool"}}       | spec.ballast.budgetGroup         | must be a DNS label
            priority without a group       | {"ballast": {"priority": 3}}                   | spec.ballast.priority            | only ranks policies inside a budgetGroup
            override without expiry        | {"ballast": {"override": {"replicas": 2, "reason": "x"}}} | spec.ballast.override.expiresAt | an override must expire
            """)
    void violations(String rule, String patch, String field, String problem) throws Exception {
        ObjectNode spec = (ObjectNode) json.readTree(BASE);
        spec.setAll((ObjectNode) json.readTree(patch));

        var violations = PolicyValidator.validate(json.treeToValue(spec, ScalingPolicySpec.class), "spec");

        assertThat(violations).as(rule).anySatisfy(v -> {
            assertThat(v.field()).isEqualTo(field);
            assertThat(v.message()).contains(problem);
        });
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("valid variants raise nothing")
    @CsvSource(delimiter = '|', textBlock = """
            scale to zero with activation on an External metric | {"minReplicas": 0, "ballast": {"activation": {"thresholds": {"queue": "5"}}}}
            behavior with every field                         | {"behavior": {"scaleUp": {"stabilizationWindowSeconds": 3600, "selectPolicy": "Disabled", "policies": [{"type": "Pods", "value": 1, "periodSeconds": 1800}], "tolerance": "0"}}}
            budget group with priority                        | {"ballast": {"budgetGroup": "gpu-pool", "priority": -5}}
            """)
    void valid(String variant, String patch) throws Exception {
        ObjectNode spec = (ObjectNode) json.readTree(BASE);
        spec.setAll((ObjectNode) json.readTree(patch));

        assertThat(PolicyValidator.validate(json.treeToValue(spec, ScalingPolicySpec.class), "spec")).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("a defaulted spec passes its own validation again (a restart or re-apply takes it back)")
    @CsvSource(delimiter = '|', textBlock = """
            no ballast block                                  | {}
            ballast block without a budget group              | {"ballast": {"pollingIntervalSeconds": 5}}
            scale to zero with activation on an External metric | {"minReplicas": 0, "ballast": {"activation": {"thresholds": {"queue": "5"}}}}
            budget group without a priority                   | {"ballast": {"budgetGroup": "gpu-pool"}}
            predictive forecast-only                          | {"ballast": {"predictive": {"mode": "forecast-only", "method": "linear"}}}
            """)
    void defaultedSpecStaysValid(String variant, String patch) throws Exception {
        ObjectNode spec = (ObjectNode) json.readTree(BASE);
        spec.setAll((ObjectNode) json.readTree(patch));

        ScalingPolicySpec defaulted = PolicyValidator.validateAndDefault(json.treeToValue(spec, ScalingPolicySpec.class), "spec");

        assertThat(PolicyValidator.validate(defaulted, "spec")).as(variant).isEmpty();
    }
}
