package dev.ballast.autoscaler.kube;

import dev.ballast.autoscaler.source.PrometheusAnswers;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ballast.autoscaler.engine.Condition;
import dev.ballast.autoscaler.engine.Decision;
import dev.ballast.autoscaler.engine.MetricStatus;
import dev.ballast.autoscaler.kube.testing.KubeApiServer;
import dev.ballast.autoscaler.kube.testing.KubeApiServerResource;
import dev.ballast.autoscaler.kube.testing.RecordedCall;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.autoscaler.registry.PolicyRegistry;
import dev.ballast.autoscaler.runtime.PolicyTicker;
import dev.ballast.autoscaler.runtime.ScaleActuator;
import dev.ballast.autoscaler.runtime.TestClock;
import dev.ballast.testing.LoopbackHttpServer;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * The loop on Kubernetes against the test API server: targets are read and scaled through their scale subresource
 * with field manager ballast-autoscaler, CPU policies get the HPA's inputs from pods and metrics.k8s.io, conflicts
 * are retried, and API server failures become the HPA's FailedGetScale / FailedUpdateScale, never a crash.
 */
@QuarkusTest
@TestProfile(KubernetesTicks.class)
@QuarkusTestResource(value = KubeApiServerResource.class, restrictToAnnotatedClass = true)
class KubernetesScalingTest {

    @KubeApiServerResource.Inject
    KubeApiServer api;
    @Inject
    PolicyRegistry registry;
    @Inject
    PolicyTicker ticker;
    @Inject
    TestClock clock;
    @Inject
    ObjectMapper json;
    @Inject
    MeterRegistry meters;
    @Inject
    ScaleActuator actuator;
    @Inject
    KubernetesScaleActuator kubernetes;

    private Workloads cluster;
    private LoopbackHttpServer prometheus;

    @BeforeEach
    void arrange() {
        cluster = new Workloads(api.client());
        api.clearFaults();
        prometheus = LoopbackHttpServer.start().respond("/api/v1/query", 200, "application/json",
                PrometheusAnswers.vector("55"));
        clock.advance(Duration.ofHours(1));
    }

    @AfterEach
    void stopPrometheus() {
        prometheus.close();
    }

    /** A policy on {@code kind/name} with one External metric: 55 waiting requests at 10 per replica. */
    private PolicyKey queuePolicy(String apiVersion, String kind, String name) throws Exception {
        return policy(name, """
                {"scaleTargetRef": {"apiVersion": "%s", "kind": "%s", "name": "%s"}, "minReplicas": 1, "maxReplicas": 10,
                 "behavior": {"scaleDown": {"stabilizationWindowSeconds": 0}},
                 "metrics": [{"type": "External", "external": {"metric": {"name": "waiting"}, "target": {"type": "AverageValue", "averageValue": "10"}}}],
                 "ballast": {"sources": [{"metric": "waiting", "prometheus": {"serverAddress": "%s", "query": "sum(waiting)"}}]}}"""
                .formatted(apiVersion, kind, name, prometheus.url("")));
    }

    private PolicyKey policy(String name, String spec) throws Exception {
        PolicyKey key = new PolicyKey("test", name);
        registry.upsert(key, json.readValue(spec, ScalingPolicySpec.class));
        return key;
    }

    private Decision tick(PolicyKey key) {
        clock.advance(Duration.ofSeconds(15));
        return ticker.tick(key).orElseThrow();
    }

    private List<Integer> statuses(String method, String pathSuffix) {
        return api.calls(c -> c.method().equals(method) && c.path().endsWith(pathSuffix)).stream().map(RecordedCall::status).toList();
    }

    @Test
    @DisplayName("with kubernetes.enabled the loop's actuator is the scale subresource, not dry-run")
    void kubernetesActuatorIsChosen() {
        assertThat(actuator.dryRun()).isFalse();
        assertThat(actuator).isSameAs(kubernetes);
    }

    @Test
    @DisplayName("a Prometheus metric scales the Deployment through /scale, written by field manager ballast-autoscaler")
    void prometheusMetricScalesDeployment() throws Exception {
        var before = cluster.deployment("api", 2);
        PolicyKey key = queuePolicy("apps/v1", "Deployment", "api");
        api.clearCalls();

        Decision d = tick(key);

        assertThat(d.desiredReplicas()).as("ceil(55 / 10)").isEqualTo(6);
        assertThat(d.rescale()).isTrue();
        var after = api.client().apps().deployments().withName("api").get();
        assertThat(after.getSpec().getReplicas()).isEqualTo(6);
        assertThat(after.getSpec().getTemplate()).isEqualTo(before.getSpec().getTemplate());
        RecordedCall write = api.lastWrite("/deployments/api/scale");
        assertThat(write.method()).isEqualTo("PUT");
        assertThat(write.fieldManager()).isEqualTo("ballast-autoscaler");
        List<ManagedFieldsEntry> managed = after.getMetadata().getManagedFields();
        assertThat(managed).anySatisfy(e -> {
            assertThat(e.getManager()).isEqualTo("ballast-autoscaler");
            assertThat(e.getSubresource()).isEqualTo("scale");
        });
        assertThat(api.calls(c -> c.write() && c.path().startsWith("/apis/apps/v1/namespaces/test/deployments/api")
                && !c.path().endsWith("/scale"))).as("the Deployment object itself is never written").isEmpty();
    }

    @Test
    @DisplayName("a StatefulSet is scaled through its scale subresource too")
    void statefulSet() throws Exception {
        cluster.statefulSet("db", 1);
        PolicyKey key = queuePolicy("apps/v1", "StatefulSet", "db");

        Decision d = tick(key);

        assertThat(d.desiredReplicas()).as("from 1, at most +4 pods per 15 s (default scale-up)").isEqualTo(5);
        assertThat(api.client().apps().statefulSets().withName("db").get().getSpec().getReplicas()).isEqualTo(5);
        assertThat(api.lastWrite("/statefulsets/db/scale").fieldManager()).isEqualTo("ballast-autoscaler");
    }

    @Test
    @DisplayName("a custom resource whose CRD declares a scale subresource is found by discovery and scaled through it")
    void customResource() throws Exception {
        api.client().resource(json.readValue("""
                {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"workers.example.com"},
                 "spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"workers","singular":"worker","kind":"Worker"},
                  "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}},
                   "subresources":{"status":{},"scale":{"specReplicasPath":".spec.size","statusReplicasPath":".status.size","labelSelectorPath":".status.selector"}}}]}}""",
                io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition.class)).create();
        var workers = api.client().genericKubernetesResources("example.com/v1", "Worker");
        var created = workers.resource(new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder()
                .withApiVersion("example.com/v1").withKind("Worker").withNewMetadata().withName("crunch").withNamespace("test").endMetadata()
                .addToAdditionalProperties("spec", Map.of("size", 2)).build()).create();
        created.setAdditionalProperty("status", Map.of("size", 2, "selector", "app=crunch"));
        workers.resource(created).updateStatus();
        PolicyKey key = queuePolicy("example.com/v1", "Worker", "crunch");

        Decision d = tick(key);

        assertThat(d.desiredReplicas()).isEqualTo(6);
        assertThat(((Map<?, ?>) workers.withName("crunch").get().getAdditionalProperties().get("spec")).get("size")).isEqualTo(6);
        assertThat(api.lastWrite("/workers/crunch/scale").fieldManager()).isEqualTo("ballast-autoscaler");
    }

    @Test
    @DisplayName("a scale without a selector is refused (InvalidSelector): it would pick every pod of the namespace")
    void scaleWithoutSelector() throws Exception {
        api.client().resource(json.readValue("""
                {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"batches.example.org"},
                 "spec":{"group":"example.org","scope":"Namespaced","names":{"plural":"batches","singular":"batch","kind":"Batch"},
                  "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}},
                   "subresources":{"scale":{"specReplicasPath":".spec.replicas","statusReplicasPath":".status.replicas"}}}]}}""",
                io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition.class)).create();
        api.client().genericKubernetesResources("example.org/v1", "Batch").resource(new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder()
                .withApiVersion("example.org/v1").withKind("Batch").withNewMetadata().withName("nightly").withNamespace("test").endMetadata()
                .addToAdditionalProperties("spec", Map.of("replicas", 2)).build()).create();
        PolicyKey key = queuePolicy("example.org/v1", "Batch", "nightly");

        Decision d = tick(key);

        assertThat(d.condition(Condition.ABLE_TO_SCALE).reason()).isEqualTo("InvalidSelector");
        assertThat(d.condition(Condition.ABLE_TO_SCALE).message()).contains("missing a selector");
        assertThat(api.calls(c -> c.path().equals("/api/v1/namespaces/test/pods"))).as("no unfiltered pod list")
                .noneMatch(c -> c.query().getOrDefault("labelSelector", "").isEmpty());
    }

    /**
     * Rows of replica_calculator_test.go (GoReplicaCalcParityTest holds them all) whose pod states a cluster can show,
     * run through the API server: pods and PodMetrics as the Go fake clients build them (two containers, each requesting
     * 1000m and using the level; levels past the pod count are PodMetrics of pods the target does not list). The
     * behavior lets any proposal through at once, so the Deployment ends at the calculator's answer.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            TestReplicaCalcScaleUp                         | calc-up       | 3 | 30  | ready ready ready | 300 500 700 | 5 | 50 | 1000
            TestReplicaCalcScaleUpUnreadyLessScale         | calc-unready  | 3 | 30  | unready ready ready | 300 500 700 | 4 | 60 | 1200
            TestReplicaCalcScaleUpIgnoresFailedPods        | calc-failed   | 2 | 30  | ready ready failed failed | 500 700 | 4 | 60 | 1200
            TestReplicaCalcScaleUpIgnoresDeletionPods      | calc-deleting | 2 | 30  | ready ready deleting deleting | 500 700 | 4 | 60 | 1200
            TestReplicaCalcScaleDown                       | calc-down     | 5 | 50  | ready ready ready ready ready | 100 300 500 250 250 | 3 | 28 | 560
            TestReplicaCalcScaleDownExcludeUnscheduledPods | calc-pending  | 5 | 50  | ready pending pending pending pending | 100 | 1 | 10 | 200
            TestReplicaCalcSuperfluousMetrics              | calc-extra    | 4 | 100 | ready ready ready ready | 4000 9500 3000 7000 3200 2000 | 24 | 587 | 11750
            TestReplicaCalcMissingMetricsUnreadyScaleUp    | calc-missing  | 3 | 50  | unready ready ready | 100 2000 | 4 | 200 | 4000
            """)
    @DisplayName("CPU utilization decides as the HPA's replica calculator")
    void cpuUtilizationAsTheHpa(String goTest, String app, int current, int target, String states, String levels,
                                int expectedReplicas, int expectedUtilization, long expectedAverageMilli) throws Exception {
        cluster.deployment(app, current);
        cluster.pods(app, clock.instant(), states.split(" "), 1000);
        String[] perContainer = levels.split(" ");
        for (int i = 0; i < perContainer.length; i++) {
            cluster.podMetrics(app, app + "-" + i, clock.instant(), Long.parseLong(perContainer[i]));
        }
        PolicyKey key = policy(app, """
                {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "%s"}, "minReplicas": 1, "maxReplicas": 100,
                 "behavior": {"scaleUp": {"stabilizationWindowSeconds": 0, "policies": [{"type": "Percent", "value": 1000, "periodSeconds": 15}]},
                              "scaleDown": {"stabilizationWindowSeconds": 0}},
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": %d}}}]}"""
                .formatted(app, target));

        Decision d = ticker.tick(key).orElseThrow();

        MetricStatus cpu = d.metrics().get(0);
        assertThat(cpu.error()).isNull();
        assertThat(cpu.replicas()).isEqualTo(expectedReplicas);
        assertThat(cpu.currentAverageUtilization()).isEqualTo(expectedUtilization);
        assertThat(cpu.currentAverageValue().milli()).isEqualTo(expectedAverageMilli);
        assertThat(cluster.replicas(app)).isEqualTo(expectedReplicas);
        assertThat(api.calls(c -> c.path().equals("/apis/metrics.k8s.io/v1beta1/namespaces/test/pods")
                && ("app=" + app).equals(c.query().get("labelSelector")))).as("one PodMetrics list per tick").hasSize(1);
    }

    @Test
    @DisplayName("a ContainerResource metric reads the named container only: c0 at 300/500/700m of 1000m, target 30% gives 5")
    void containerResource() throws Exception {
        cluster.deployment("ctr", 3);
        List<String> pods = cluster.readyPods("ctr", clock.instant(), 1000, 1000, 1000);
        long[] levels = {300, 500, 700};
        for (int i = 0; i < pods.size(); i++) {
            cluster.podMetrics("ctr", pods.get(i), clock.instant(), levels[i]);
        }
        PolicyKey key = policy("ctr", """
                {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "ctr"}, "minReplicas": 1, "maxReplicas": 10,
                 "metrics": [{"type": "ContainerResource", "containerResource": {"name": "cpu", "container": "c0", "target": {"type": "Utilization", "averageUtilization": 30}}}]}""");

        Decision d = ticker.tick(key).orElseThrow();

        assertThat(d.metrics().get(0).currentAverageUtilization()).isEqualTo(50);
        assertThat(d.metrics().get(0).currentAverageValue().milli()).isEqualTo(500);
        assertThat(cluster.replicas("ctr")).isEqualTo(5);
    }

    @Test
    @DisplayName("a failing metrics API is missing data (FailedGetResourceMetric, target held), counted against its source, never zero")
    void metricsApiDown() throws Exception {
        cluster.deployment("nometrics", 3);
        cluster.readyPods("nometrics", clock.instant(), 1000, 1000, 1000);
        PolicyKey key = policy("nometrics", """
                {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "nometrics"}, "minReplicas": 1, "maxReplicas": 10,
                 "behavior": {"scaleDown": {"stabilizationWindowSeconds": 0}},
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 30}}}]}""");
        double before = meters.counter("ballast.autoscaler.source.errors", "source", "kubernetes-metrics").count();
        api.failNext("GET", "^/apis/metrics.k8s.io/v1beta1/namespaces/test/pods$", 503, 1);

        Decision down = tick(key);
        Decision empty = tick(key);

        assertThat(down.desiredReplicas()).isEqualTo(3);
        assertThat(down.condition(Condition.SCALING_ACTIVE).reason()).isEqualTo("FailedGetResourceMetric");
        assertThat(down.metrics().get(0).error()).contains("unable to fetch metrics from resource metrics API", "503");
        assertThat(empty.metrics().get(0).error()).as("no PodMetrics at all is missing data too")
                .contains("no metrics returned from resource metrics API");
        assertThat(empty.desiredReplicas()).isEqualTo(3);
        assertThat(cluster.replicas("nometrics")).isEqualTo(3);
        assertThat(meters.counter("ballast.autoscaler.source.errors", "source", "kubernetes-metrics").count() - before).isEqualTo(2);
    }

    @Test
    @DisplayName("a 409 Conflict on the first scale write is retried after a re-read and succeeds")
    void conflictRetried() throws Exception {
        cluster.deployment("conflict", 2);
        PolicyKey key = queuePolicy("apps/v1", "Deployment", "conflict");
        api.failNext("PUT", "/deployments/conflict/scale$", 409, 1);

        Decision d = tick(key);

        assertThat(d.condition(Condition.ABLE_TO_SCALE).status()).isEqualTo("True");
        assertThat(cluster.replicas("conflict")).isEqualTo(6);
        assertThat(statuses("PUT", "/deployments/conflict/scale")).containsExactly(409, 200);
        assertThat(statuses("GET", "/deployments/conflict/scale")).as("the tick's read, then the re-read").containsExactly(200, 200);
    }

    @Test
    @DisplayName("a write conditional on a stale resourceVersion (someone changed the Deployment meanwhile) re-reads and re-applies")
    void realConflictRetried() throws Exception {
        cluster.deployment("stale", 2);
        PolicyKey key = queuePolicy("apps/v1", "Deployment", "stale");
        ScalingPolicySpec spec = registry.find(key).orElseThrow().spec();
        kubernetes.read(key, spec);
        api.client().apps().deployments().withName("stale").edit(d -> {
            d.getMetadata().getLabels().put("touched", "yes");
            return d;
        });

        kubernetes.scale(key, spec, 4);

        var after = api.client().apps().deployments().withName("stale").get();
        assertThat(after.getSpec().getReplicas()).isEqualTo(4);
        assertThat(after.getMetadata().getLabels()).containsEntry("touched", "yes");
        assertThat(statuses("PUT", "/deployments/stale/scale")).containsExactly(409, 200);
    }

    @Test
    @DisplayName("conflicts on every attempt give up after client-go's four and report FailedUpdateScale")
    void conflictsGiveUp() throws Exception {
        cluster.deployment("busy", 2);
        PolicyKey key = queuePolicy("apps/v1", "Deployment", "busy");
        api.failNext("PUT", "/deployments/busy/scale$", 409, 10);

        Decision d = tick(key);

        assertThat(d.condition(Condition.ABLE_TO_SCALE).reason()).isEqualTo("FailedUpdateScale");
        assertThat(d.condition(Condition.ABLE_TO_SCALE).message()).contains("Conflict", "gave up after 4 conflicts");
        assertThat(statuses("PUT", "/deployments/busy/scale")).hasSize(4);
        assertThat(cluster.replicas("busy")).isEqualTo(2);
    }

    @Test
    @DisplayName("a failed scale read is FailedGetScale in the decision and the decision API; the next tick recovers")
    void failedGetScale() throws Exception {
        cluster.deployment("getfail", 2);
        PolicyKey key = queuePolicy("apps/v1", "Deployment", "getfail");
        api.failNext("GET", "/deployments/getfail/scale$", 500, 1);

        Decision failed = tick(key);

        assertThat(failed.rescale()).isFalse();
        assertThat(failed.condition(Condition.ABLE_TO_SCALE).status()).isEqualTo("False");
        assertThat(failed.condition(Condition.ABLE_TO_SCALE).reason()).isEqualTo("FailedGetScale");
        assertThat(failed.condition(Condition.ABLE_TO_SCALE).message()).contains("/deployments/getfail/scale", "500");
        given().get("/scaling/policies/test/getfail/decision").then().statusCode(200)
                .body("decision.conditions.find { it.type == 'AbleToScale' }.reason", equalTo("FailedGetScale"));
        assertThat(tick(key).desiredReplicas()).isEqualTo(6);
        assertThat(cluster.replicas("getfail")).isEqualTo(6);
    }

    @Test
    @DisplayName("a refused scale write is FailedUpdateScale: the target keeps its size")
    void failedUpdateScale() throws Exception {
        cluster.deployment("putfail", 2);
        PolicyKey key = queuePolicy("apps/v1", "Deployment", "putfail");
        api.failNext("PUT", "/deployments/putfail/scale$", 403, 1);

        Decision d = tick(key);

        assertThat(d.rescale()).isFalse();
        assertThat(d.desiredReplicas()).isEqualTo(2);
        assertThat(d.condition(Condition.ABLE_TO_SCALE).reason()).isEqualTo("FailedUpdateScale");
        assertThat(d.condition(Condition.ABLE_TO_SCALE).message()).contains("403 Forbidden");
        assertThat(cluster.replicas("putfail")).isEqualTo(2);
    }

    @Test
    @DisplayName("a target that does not exist is FailedGetScale with the API server's NotFound message")
    void missingTarget() throws Exception {
        PolicyKey key = queuePolicy("apps/v1", "Deployment", "ghost");

        Decision d = tick(key);

        assertThat(d.condition(Condition.ABLE_TO_SCALE).reason()).isEqualTo("FailedGetScale");
        assertThat(d.condition(Condition.ABLE_TO_SCALE).message()).contains("deployments.apps \"ghost\" not found");
    }

    @Test
    @DisplayName("a kind without a scale subresource is FailedGetScale naming the kind")
    void unknownKind() throws Exception {
        PolicyKey key = queuePolicy("v1", "ConfigMap", "settings");

        Decision d = tick(key);

        assertThat(d.condition(Condition.ABLE_TO_SCALE).reason()).isEqualTo("FailedGetScale");
        assertThat(d.condition(Condition.ABLE_TO_SCALE).message()).contains("v1");
    }
}
