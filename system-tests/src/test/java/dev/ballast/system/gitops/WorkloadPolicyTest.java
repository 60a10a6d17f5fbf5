package dev.ballast.system.gitops;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Policy checks on the rendered output of every environment; each rule is also shown failing on a bad object. */
class WorkloadPolicyTest {

    static Stream<Arguments> environmentsAndRules() {
        List<String> ruleNames = List.of("containers are hardened", "images are pinned", "RBAC has no wildcards",
                "tokens only where needed", "service accounts exist", "mounted ConfigMaps exist",
                "Services select something", "autoscaled workloads omit replicas", "namespaces deny by default",
                "objects carry the recommended labels");
        List<Function<List<Manifest>, List<String>>> rules = WorkloadPolicies.everyEnvironmentRule();
        return GitopsTree.ENVIRONMENTS.stream().flatMap(env -> java.util.stream.IntStream.range(0, rules.size())
                .mapToObj(i -> Arguments.of(env, ruleNames.get(i), rules.get(i))));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("environmentsAndRules")
    @DisplayName("every environment meets every rule")
    void environmentMeetsRule(String environment, String rule, Function<List<Manifest>, List<String>> check) {
        List<Manifest> rendered = Manifest.rendered("overlays/" + environment);

        assertThat(check.apply(rendered)).as("%s in overlays/%s", rule, environment).isEmpty();
    }

    @Test
    @DisplayName("every prod Deployment is covered by a PodDisruptionBudget")
    void prodDeploymentsHaveDisruptionBudgets() {
        List<Manifest> prod = Manifest.rendered("overlays/prod");

        assertThat(WorkloadPolicies.deploymentsHaveDisruptionBudgets(prod)).isEmpty();
    }

    @Test
    @DisplayName("prod runs two autoscaler replicas and lets the gateway's policy keep at least two gateways")
    void prodIsHighlyAvailable() {
        List<Manifest> prod = Manifest.rendered("overlays/prod");

        Manifest autoscaler = find(prod, "Deployment", "autoscaler");
        Manifest gatewayPolicy = find(prod, "ScalingPolicy", "api-gateway");
        assertThat(autoscaler.spec().path("replicas").asInt()).isEqualTo(2);
        assertThat(gatewayPolicy.spec().path("minReplicas").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(find(prod, "Deployment", "api-gateway").spec().path("template").path("spec")
                .path("topologySpreadConstraints")).isNotEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dev", "staging", "prod"})
    @DisplayName("the gateway is scaled by a Ballast ScalingPolicy in every environment")
    void gatewayIsAutoscaled(String environment) {
        Manifest policy = find(Manifest.rendered("overlays/" + environment), "ScalingPolicy", "api-gateway");

        assertThat(policy.spec().path("scaleTargetRef").path("name").asText()).isEqualTo("api-gateway");
        assertThat(policy.spec().path("scaleTargetRef").path("kind").asText()).isEqualTo("Deployment");
    }

    @Test
    @DisplayName("a careless Deployment breaks every workload rule, each with a message naming the field")
    void carelessDeploymentIsReported() {
        List<Manifest> objects = Manifest.parseAll("test", """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: careless, namespace: demo}
                spec:
                  replicas: 3
                  selector: {matchLabels: {app: careless}}
                  template:
                    metadata: {labels: {app: careless}}
                    spec:
                      containers:
                        - name: app
                          image: example/app:latest
                          securityContext: {runAsNonRoot: false}
                      volumes:
                        - name: config
                          configMap: {name: missing}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: careless, namespace: demo}
                spec:
                  selector: {app: other}
                  ports: [{port: 80, targetPort: http}]
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: careless}
                rules: [{apiGroups: [""], resources: ["*"], verbs: ["get"]}]
                ---
                apiVersion: ballast.dev/v1alpha1
                kind: ScalingPolicy
                metadata: {name: careless, namespace: demo}
                spec: {scaleTargetRef: {kind: Deployment, name: careless}, maxReplicas: 5}
                """);

        assertThat(WorkloadPolicies.containersAreHardened(objects)).hasSize(12)
                .anySatisfy(v -> assertThat(v).contains("no livenessProbe"))
                .anySatisfy(v -> assertThat(v).contains("resources.limits.memory"))
                .anySatisfy(v -> assertThat(v).contains("non-root"))
                .anySatisfy(v -> assertThat(v).contains("RuntimeDefault"));
        assertThat(WorkloadPolicies.imagesArePinned(objects)).singleElement().asString().contains("example/app:latest");
        assertThat(WorkloadPolicies.rbacHasNoWildcards(objects)).singleElement().asString().contains("resources");
        assertThat(WorkloadPolicies.tokensOnlyWhereNeeded(objects)).singleElement().asString().contains("automountServiceAccountToken");
        assertThat(WorkloadPolicies.mountedConfigMapsExist(objects)).singleElement().asString().contains("missing");
        assertThat(WorkloadPolicies.servicesSelectSomething(objects)).singleElement().asString().contains("selects no pods");
        assertThat(WorkloadPolicies.autoscaledWorkloadsOmitReplicas(objects)).singleElement().asString().contains("spec.replicas");
        assertThat(WorkloadPolicies.deploymentsHaveDisruptionBudgets(objects)).singleElement().asString().contains("PodDisruptionBudget");
        assertThat(WorkloadPolicies.namespacesDenyByDefault(objects)).singleElement().asString().contains("default-deny");
        assertThat(WorkloadPolicies.objectsCarryRecommendedLabels(objects)).hasSize(8);
    }

    @Test
    @DisplayName("a binding to a ServiceAccount in the wrong namespace is reported")
    void bindingToMissingAccountIsReported() {
        List<Manifest> objects = Manifest.parseAll("test", """
                apiVersion: v1
                kind: ServiceAccount
                metadata: {name: autoscaler, namespace: ballast-dev}
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRoleBinding
                metadata: {name: autoscaler}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: autoscaler}
                subjects: [{kind: ServiceAccount, name: autoscaler, namespace: ballast}]
                """);

        assertThat(WorkloadPolicies.serviceAccountsExist(objects)).singleElement().asString().contains("ballast/autoscaler");
    }

    private static Manifest find(List<Manifest> objects, String kind, String name) {
        return objects.stream().filter(m -> m.is(kind) && m.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " rendered"));
    }
}
