package dev.ballast.system.gitops;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * The ScalingPolicy CRD's CEL rules (x-kubernetes-validations) compile, and reject what the autoscaling/v2 HPA API
 * and Ballast's PolicyValidator reject, before the autoscaler ever sees the policy.
 */
class ScalingPolicyRulesTest {

    private static final String BASE = """
            apiVersion: ballast.dev/v1alpha1
            kind: ScalingPolicy
            metadata: {name: demo, namespace: apps}
            """;

    private static CustomResourceSchemas schemas;

    @BeforeAll
    static void loadSchemas() {
        schemas = CustomResourceSchemas.load();
    }

    static List<String> rules() {
        return CelRules.rules(scalingPolicySchema());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    @DisplayName("every CEL rule of the CRD compiles")
    void ruleCompiles(String rule) {
        String expression = rule.substring(rule.indexOf(": ") + 2);

        assertThatCode(() -> CelRules.compile(expression)).doesNotThrowAnyException();
    }

    @Test
    @DisplayName("the CRD declares the HPA's cross-field rules")
    void crdDeclaresRules() {
        assertThat(rules()).hasSizeGreaterThanOrEqualTo(10)
                .anySatisfy(r -> assertThat(r).contains("self.minReplicas <= self.maxReplicas"));
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            {scaleTargetRef: {kind: Deployment, name: d}, minReplicas: 5, maxReplicas: 3}                                                                  | maxReplicas must be greater than or equal to minReplicas
            {scaleTargetRef: {kind: Deployment, name: d}, minReplicas: 0, maxReplicas: 3}                                                                  | minReplicas 0 (scale to zero) needs spec.ballast.activation
            {scaleTargetRef: {kind: Deployment, name: d}, minReplicas: 2, maxReplicas: 3, ballast: {activation: {cooldownSeconds: 60}}}                    | spec.ballast.activation applies only with minReplicas 0
            {scaleTargetRef: {kind: Deployment, name: d}, maxReplicas: 3, ballast: {fallback: {failureThreshold: 3, replicas: 4}}}                         | spec.ballast.fallback.replicas must not exceed maxReplicas
            {scaleTargetRef: {kind: Deployment, name: d}, maxReplicas: 3, metrics: [{type: Pods, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]} | type Pods needs exactly the pods block
            {scaleTargetRef: {kind: Deployment, name: d}, maxReplicas: 3, metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageValue: 5}}}]}     | type Utilization needs averageUtilization
            {scaleTargetRef: {kind: Deployment, name: d}, maxReplicas: 3, ballast: {sources: [{metric: q}]}}                                               | set exactly one of prometheus and redisQueue
            {scaleTargetRef: {kind: Deployment, name: d}, maxReplicas: 3, ballast: {priority: 5}}                                                          | priority only ranks policies inside a budgetGroup
            {scaleTargetRef: {kind: Deployment, name: d}, minReplicas: 0, maxReplicas: 3, ballast: {activation: {}}}                                       | minReplicas 0 needs at least one Object or External metric (with no pods there are no pod metrics)
            {scaleTargetRef: {kind: Deployment, name: d}, maxReplicas: 3, metrics: [{type: Pods, pods: {metric: {name: q}, target: {type: Value, value: 5}}}]}         | Pods metrics take target type AverageValue
            {scaleTargetRef: {kind: Deployment, name: d}, maxReplicas: 3, metrics: [{type: Resource, resource: {name: cpu, target: {type: Value, value: 5}}}]}         | Resource metrics take target type Utilization or AverageValue
            {scaleTargetRef: {kind: Deployment, name: d}, maxReplicas: 3, metrics: [{type: External, external: {metric: {name: q}, target: {type: Utilization, averageUtilization: 5}}}]} | External metrics take target type Value or AverageValue
            {scaleTargetRef: {kind: Deployment, name: d}, maxReplicas: 3, metrics: [{type: External, external: {metric: {name: q}, target: {type: Value, value: 5}}}], ballast: {sources: [{metric: other, prometheus: {query: up}}]}} | every spec.ballast.sources[].metric must name a Pods, Object or External metric of spec.metrics
            {scaleTargetRef: {kind: Deployment, name: d}, maxReplicas: 3, metrics: [{type: External, external: {metric: {name: q}, target: {type: Value, value: 5}}}], ballast: {sources: [{metric: q, prometheus: {query: up}}, {metric: q, prometheus: {query: down}}]}} | each metric may have only one source
            {scaleTargetRef: {kind: Deployment, name: d}, minReplicas: 0, maxReplicas: 3, metrics: [{type: External, external: {metric: {name: q}, target: {type: Value, value: 5}}}], ballast: {activation: {thresholds: {cpu: "1"}}}} | spec.ballast.activation.thresholds must name Object or External metrics of spec.metrics (only those are readable at zero replicas)
            """)
    @DisplayName("a policy breaking a cross-field rule is rejected with the rule's message")
    void brokenRuleIsRejected(String spec, String message) {
        Manifest policy = Manifest.parseAll("test", BASE + "spec: " + spec).get(0);

        assertThat(schemas.violations(policy)).hasValueSatisfying(v -> assertThat(v)
                .anySatisfy(violation -> assertThat(violation).endsWith(message)));
    }

    @Test
    @DisplayName("a policy meeting every rule passes, scale to zero with activation included")
    void validPolicyPasses() {
        Manifest policy = Manifest.parseAll("test", BASE + """
                spec:
                  scaleTargetRef: {kind: Deployment, name: worker}
                  minReplicas: 0
                  maxReplicas: 10
                  metrics:
                    - type: External
                      external: {metric: {name: queue}, target: {type: AverageValue, averageValue: "5"}}
                  ballast:
                    sources: [{metric: queue, redisQueue: {layout: rq, queue: default}}]
                    activation: {thresholds: {queue: "0"}}
                    fallback: {failureThreshold: 3, replicas: 2}
                    budgetGroup: batch
                    priority: 10
                """).get(0);

        assertThat(schemas.violations(policy)).hasValue(List.of());
    }

    @Test
    @DisplayName("the CRD schema is structural: every node has a type, no $ref, int-or-string only as anyOf integer|string")
    void schemaIsStructural() {
        List<String> problems = new java.util.ArrayList<>();
        structural(scalingPolicySchema(), "$", problems);

        assertThat(problems).isEmpty();
    }

    @Test
    @DisplayName("a schema with an untyped field, a $ref and an array without items is reported as not structural")
    void nonStructuralSchemaIsReported() {
        JsonNode schema = Manifest.parseAll("test", """
                type: object
                properties:
                  untyped: {description: anything}
                  shared: {$ref: "#/definitions/x"}
                  list: {type: array}
                """).get(0).node();
        List<String> problems = new java.util.ArrayList<>();

        structural(schema, "$", problems);

        assertThat(problems).hasSize(4);
    }

    /** The API server refuses a CRD whose schema is not structural (apiextensions "Specifying a structural schema"). */
    private static void structural(JsonNode schema, String path, List<String> problems) {
        boolean intOrString = schema.path("x-kubernetes-int-or-string").asBoolean(false);
        boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        if (schema.has("$ref")) {
            problems.add(path + " uses $ref, which CRD schemas do not allow");
        }
        if (intOrString) {
            if (schema.has("type") || schema.path("anyOf").size() != 2) {
                problems.add(path + " is int-or-string and must be exactly anyOf [integer, string] with no type");
            }
        } else if (!schema.has("type") && !preserve) {
            problems.add(path + " declares no type");
        }
        if (schema.has("properties") && schema.has("additionalProperties")) {
            problems.add(path + " declares both properties and additionalProperties");
        }
        schema.path("properties").fields().forEachRemaining(p -> structural(p.getValue(), path + "." + p.getKey(), problems));
        if (schema.path("additionalProperties").isObject()) {
            structural(schema.get("additionalProperties"), path + ".*", problems);
        }
        if (schema.has("items")) {
            structural(schema.get("items"), path + "[*]", problems);
        }
        if (schema.path("type").asText().equals("array") && !schema.has("items")) {
            problems.add(path + " is an array without items");
        }
    }

    private static JsonNode scalingPolicySchema() {
        Manifest crd = Manifest.rendered("base").stream()
                .filter(m -> m.is("CustomResourceDefinition") && m.name().equals("scalingpolicies.ballast.dev"))
                .findFirst().orElseThrow();
        return crd.spec().path("versions").get(0).path("schema").path("openAPIV3Schema");
    }
}
