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

    private static JsonNode scalingPolicySchema() {
        Manifest crd = Manifest.rendered("base").stream()
                .filter(m -> m.is("CustomResourceDefinition") && m.name().equals("scalingpolicies.ballast.dev"))
                .findFirst().orElseThrow();
        return crd.spec().path("versions").get(0).path("schema").path("openAPIV3Schema");
    }
}
