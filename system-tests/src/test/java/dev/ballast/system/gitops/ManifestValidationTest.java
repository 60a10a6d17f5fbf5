package dev.ballast.system.gitops;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Every rendered object parses strictly: built-in kinds into fabric8's typed model with no unknown field, custom
 * resources (ScalingPolicy, ServiceMonitor, PrometheusRule, Argo CD and Flux kinds) against their CRD schema.
 */
class ManifestValidationTest {

    private static CustomResourceSchemas schemas;

    @BeforeAll
    static void loadSchemas() {
        schemas = CustomResourceSchemas.load();
    }

    static List<String> kustomizations() {
        return GitopsTree.kustomizationDirectories();
    }

    /** What is wrong with one object; empty when it parses strictly. */
    static List<String> problems(Manifest manifest) {
        List<String> problems = new ArrayList<>(StrictKubernetesModel.unknownMetadataFields(manifest).stream()
                .map(path -> "unknown field " + path).toList());
        Optional<List<String>> schemaViolations = schemas.violations(manifest);
        if (schemaViolations.isPresent()) {
            problems.addAll(schemaViolations.get());
            return problems;
        }
        Optional<KubernetesResource> typed = StrictKubernetesModel.typed(manifest);
        if (typed.isEmpty()) {
            problems.add("no typed model and no CRD schema knows " + manifest.apiVersion() + " " + manifest.kind()
                    + ": vendor its CRD schema into system-tests/src/test/resources/crd-schemas");
            return problems;
        }
        StrictKubernetesModel.unknownFields(typed.get(), "$").stream()
                .map(path -> "unknown field " + path)
                .forEach(problems::add);
        return problems;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kustomizations")
    @DisplayName("every object parses strictly into the typed model or its CRD schema")
    void everyObjectParsesStrictly(String directory) {
        List<String> failures = new ArrayList<>();
        for (Manifest manifest : Manifest.rendered(directory)) {
            problems(manifest).forEach(p -> failures.add(manifest.describe() + ": " + p));
        }

        assertThat(failures).as("strict parsing of gitops/%s", directory).isEmpty();
    }

    @Test
    @DisplayName("a misspelled field in a Deployment is reported with its path")
    void misspelledDeploymentFieldFails() {
        Manifest deployment = only("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: demo}
                spec:
                  selector: {matchLabels: {app: demo}}
                  template:
                    metadata: {labels: {app: demo}}
                    spec:
                      containers:
                        - name: demo
                          image: demo:1.0.0
                          readinessProbe: {httpGet: {path: /q/health/ready, port: 8080}, periodSecond: 5}
                """);

        assertThat(problems(deployment))
                .containsExactly("unknown field $.spec.template.spec.containers[0].readinessProbe.periodSecond");
    }

    @Test
    @DisplayName("an unknown metadata field fails even on a custom resource")
    void unknownMetadataFieldFails() {
        Manifest policy = only("""
                apiVersion: ballast.dev/v1alpha1
                kind: ScalingPolicy
                metadata: {name: demo, label: {a: b}}
                spec: {scaleTargetRef: {kind: Deployment, name: demo}, maxReplicas: 3}
                """);

        assertThat(problems(policy)).containsExactly("unknown field $.metadata.label");
    }

    @Test
    @DisplayName("a ScalingPolicy with an unknown field or a value out of range fails the CRD schema")
    void invalidScalingPolicyFailsTheCrdSchema() {
        Manifest policy = only("""
                apiVersion: ballast.dev/v1alpha1
                kind: ScalingPolicy
                metadata: {name: demo}
                spec:
                  scaleTargetRef: {kind: Deployment, name: demo}
                  minReplica: 1
                  maxReplicas: 0
                  metrics:
                    - type: Pods
                      pods: {metric: {name: queue}, target: {type: Average, averageValue: 10}}
                  ballast:
                    sources:
                      - metric: queue
                        redisQueue: {layout: kafka, queue: default}
                """);

        assertThat(problems(policy)).hasSize(4).anySatisfy(p -> assertThat(p).contains("minReplica"))
                .anySatisfy(p -> assertThat(p).contains("maxReplicas"))
                .anySatisfy(p -> assertThat(p).contains("type"))
                .anySatisfy(p -> assertThat(p).contains("layout"));
    }

    @Test
    @DisplayName("a valid ScalingPolicy with quantities as strings and numbers passes the CRD schema")
    void validScalingPolicyPasses() {
        Manifest policy = only("""
                apiVersion: ballast.dev/v1alpha1
                kind: ScalingPolicy
                metadata: {name: demo, namespace: apps}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: demo}
                  maxReplicas: 3
                  metrics:
                    - type: External
                      external: {metric: {name: queue}, target: {type: AverageValue, averageValue: 10}}
                    - type: Resource
                      resource: {name: cpu, target: {type: AverageValue, averageValue: 500m}}
                  behavior:
                    scaleUp: {tolerance: "0.05", policies: [{type: Pods, value: 4, periodSeconds: 15}]}
                """);

        assertThat(problems(policy)).isEmpty();
    }

    @Test
    @DisplayName("a misspelled Argo CD sync option block and a Flux Kustomization without prune fail their schemas")
    void invalidArgoAndFluxObjectsFail() {
        Manifest applicationSet = only("""
                apiVersion: argoproj.io/v1alpha1
                kind: ApplicationSet
                metadata: {name: demo, namespace: argocd}
                spec:
                  generators: [{list: {elements: [{env: dev}]}}]
                  template:
                    metadata: {name: demo}
                    spec:
                      project: default
                      source: {repoURL: https://example.invalid/repo.git, path: gitops}
                      destination: {name: in-cluster, namespace: demo}
                      syncPolicy: {automated: {prune: true, selfHeal: true}, syncOption: [ServerSideApply=true]}
                """);
        Manifest kustomization = only("""
                apiVersion: kustomize.toolkit.fluxcd.io/v1
                kind: Kustomization
                metadata: {name: demo, namespace: flux-system}
                spec: {interval: 10m, path: ./gitops, sourceRef: {kind: GitRepository, name: demo}}
                """);

        assertThat(problems(applicationSet)).singleElement().asString().contains("syncOption");
        assertThat(problems(kustomization)).singleElement().asString().contains("prune");
    }

    /** Valid Argo CD, Flux and monitoring objects, a {@code FIELD} placeholder: right name, then a misspelling. */
    static Stream<Arguments> misspelledCustomResourceFields() {
        return Stream.of(
                arguments("ApplicationSet: a nested matrix git generator's directory", "exclude", "exlude",
                        "$.spec.generators[0].matrix.generators[0].git.directories[0]", """
                        apiVersion: argoproj.io/v1alpha1
                        kind: ApplicationSet
                        metadata: {name: demo, namespace: argocd}
                        spec:
                          generators:
                            - matrix:
                                generators:
                                  - git:
                                      repoURL: https://example.invalid/repo.git
                                      revision: main
                                      directories: [{path: "apps/*", FIELD: false}]
                                  - clusters: {selector: {matchLabels: {tier: prod}}}
                          template:
                            metadata: {name: "demo-{{name}}"}
                            spec:
                              project: default
                              source: {repoURL: https://example.invalid/repo.git, path: gitops}
                              destination: {name: in-cluster, namespace: demo}
                        """),
                arguments("ApplicationSet: the template's kustomize options", "commonLabels", "commonLabel",
                        "$.spec.template.spec.source.kustomize", """
                        apiVersion: argoproj.io/v1alpha1
                        kind: ApplicationSet
                        metadata: {name: demo, namespace: argocd}
                        spec:
                          generators: [{list: {elements: [{env: dev}]}}]
                          template:
                            metadata: {name: demo}
                            spec:
                              project: default
                              source:
                                repoURL: https://example.invalid/repo.git
                                path: gitops
                                kustomize: {namePrefix: demo-, FIELD: {team: a}}
                              destination: {name: in-cluster, namespace: demo}
                        """),
                arguments("ApplicationSet: a progressive sync step's match expression", "operator", "operater",
                        "$.spec.strategy.rollingSync.steps[0].matchExpressions[0]", """
                        apiVersion: argoproj.io/v1alpha1
                        kind: ApplicationSet
                        metadata: {name: demo, namespace: argocd}
                        spec:
                          generators: [{list: {elements: [{env: dev}]}}]
                          strategy:
                            type: RollingSync
                            rollingSync:
                              steps:
                                - matchExpressions: [{key: env, FIELD: In, values: [dev]}]
                          template:
                            metadata: {name: demo}
                            spec:
                              project: default
                              source: {repoURL: https://example.invalid/repo.git, path: gitops}
                              destination: {name: in-cluster, namespace: demo}
                        """),
                arguments("AppProject: a sync window", "schedule", "schedul", "$.spec.syncWindows[0]", """
                        apiVersion: argoproj.io/v1alpha1
                        kind: AppProject
                        metadata: {name: demo, namespace: argocd}
                        spec:
                          syncWindows: [{kind: deny, FIELD: "0 22 * * *", duration: 1h, applications: ["*"]}]
                        """),
                arguments("Kustomization: a postBuild substitution source", "optional", "optinal",
                        "$.spec.postBuild.substituteFrom[0]", """
                        apiVersion: kustomize.toolkit.fluxcd.io/v1
                        kind: Kustomization
                        metadata: {name: demo, namespace: flux-system}
                        spec:
                          interval: 10m
                          path: ./gitops
                          prune: true
                          sourceRef: {kind: GitRepository, name: demo}
                          postBuild:
                            substitute: {cluster: dev}
                            substituteFrom: [{kind: ConfigMap, name: vars, FIELD: true}]
                        """),
                arguments("Kustomization: a patch target", "labelSelector", "labelSelecter",
                        "$.spec.patches[0].target", """
                        apiVersion: kustomize.toolkit.fluxcd.io/v1
                        kind: Kustomization
                        metadata: {name: demo, namespace: flux-system}
                        spec:
                          interval: 10m
                          path: ./gitops
                          prune: true
                          sourceRef: {kind: GitRepository, name: demo}
                          patches:
                            - patch: '[{"op": "remove", "path": "/spec/replicas"}]'
                              target: {kind: Deployment, FIELD: app=demo}
                        """),
                arguments("ServiceMonitor: an endpoint's relabeling", "targetLabel", "targetLable",
                        "$.spec.endpoints[0].relabelings[0]", """
                        apiVersion: monitoring.coreos.com/v1
                        kind: ServiceMonitor
                        metadata: {name: demo, namespace: demo}
                        spec:
                          selector: {matchLabels: {app: demo}}
                          endpoints:
                            - port: http
                              path: /q/metrics
                              relabelings: [{sourceLabels: [__meta_kubernetes_pod_name], FIELD: pod}]
                        """),
                arguments("PrometheusRule: an alerting rule", "annotations", "anotations",
                        "$.spec.groups[0].rules[0]", """
                        apiVersion: monitoring.coreos.com/v1
                        kind: PrometheusRule
                        metadata: {name: demo, namespace: demo}
                        spec:
                          groups:
                            - name: demo
                              rules: [{alert: Down, expr: up == 0, for: 5m, FIELD: {summary: down}}]
                        """),
                arguments("GitRepository: an included repository", "toPath", "toPth", "$.spec.include[0]", """
                        apiVersion: source.toolkit.fluxcd.io/v1
                        kind: GitRepository
                        metadata: {name: demo, namespace: flux-system}
                        spec:
                          interval: 5m
                          url: https://example.invalid/repo.git
                          include: [{repository: {name: shared}, fromPath: deploy, FIELD: shared}]
                        """));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("misspelledCustomResourceFields")
    @DisplayName("a misspelled field deep in an Argo CD, Flux or monitoring object fails its CRD schema at its path")
    void misspelledFieldDeepInCustomResourceFails(String where, String field, String typo, String parentPath,
            String yaml) {
        Manifest valid = only(yaml.replace("FIELD", field));
        Manifest misspelled = only(yaml.replace("FIELD", typo));

        assertThat(problems(valid)).as("the object without the typo").isEmpty();
        assertThat(problems(misspelled)).singleElement().asString().contains(parentPath).contains(typo);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            interval        | 10 minutes | does not match the regex pattern
            retryInterval   | 1d         | does not match the regex pattern
            targetNamespace | ''         | must be at least 1 characters long
            """)
    @DisplayName("a Flux Kustomization value that breaks an upstream pattern or length rule fails its CRD schema")
    void fluxValueRuleIsEnforced(String field, String value, String message) {
        Manifest kustomization = only("""
                apiVersion: kustomize.toolkit.fluxcd.io/v1
                kind: Kustomization
                metadata: {name: demo, namespace: flux-system}
                spec: {interval: 10m, path: ./gitops, prune: true, sourceRef: {kind: GitRepository, name: demo}}
                """);
        ((ObjectNode) kustomization.node().path("spec")).put(field, value);

        assertThat(problems(kustomization)).singleElement().asString().contains("$.spec." + field).contains(message);
    }

    @Test
    @DisplayName("a ServiceMonitor endpoint with a scheme or scrape interval Prometheus Operator rejects fails")
    void invalidServiceMonitorValuesFail() {
        Manifest monitor = only("""
                apiVersion: monitoring.coreos.com/v1
                kind: ServiceMonitor
                metadata: {name: demo, namespace: demo}
                spec:
                  selector: {matchLabels: {app: demo}}
                  endpoints: [{port: http, scheme: HTTPX, interval: 30 seconds}]
                """);

        assertThat(problems(monitor)).hasSize(2)
                .anySatisfy(p -> assertThat(p).contains("$.spec.endpoints[0].scheme"))
                .anySatisfy(p -> assertThat(p).contains("$.spec.endpoints[0].interval"));
    }

    @Test
    @DisplayName("a kind that neither the typed model nor a vendored schema knows is refused")
    void unknownKindIsRefused() {
        Manifest unknown = only("""
                apiVersion: example.dev/v1
                kind: Widget
                metadata: {name: demo}
                spec: {size: 3}
                """);

        assertThat(problems(unknown)).singleElement().asString().contains("no typed model and no CRD schema");
    }

    private static Manifest only(String yaml) {
        return Manifest.parseAll("test", yaml).get(0);
    }
}
