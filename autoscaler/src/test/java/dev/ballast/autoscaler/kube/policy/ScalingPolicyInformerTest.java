package dev.ballast.autoscaler.kube.policy;

import dev.ballast.autoscaler.source.PrometheusAnswers;
import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.autoscaler.registry.PolicyRegistry;
import dev.ballast.autoscaler.registry.PolicyState;
import dev.ballast.autoscaler.runtime.PolicyScheduler;
import dev.ballast.autoscaler.runtime.PolicyTicker;
import dev.ballast.autoscaler.runtime.TestClock;
import dev.ballast.testing.LoopbackHttpServer;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.common.QuarkusTestResource;
import dev.ballast.autoscaler.kube.testing.KubeApiServer;
import dev.ballast.autoscaler.kube.testing.KubeApiServerResource;
import dev.ballast.autoscaler.kube.testing.RecordedCall;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

/**
 * ScalingPolicy objects drive the runtime in Kubernetes mode: an added policy is registered and ticks, its status
 * and Events say what it decided, a changed spec is used at the next tick, a deleted one stops and forgets its
 * state and meters, and an invalid one is not scheduled and says why with the field path.
 */
@QuarkusTest
@TestProfile(KubernetesPolicies.class)
@QuarkusTestResource(value = KubeApiServerResource.class, restrictToAnnotatedClass = true)
class ScalingPolicyInformerTest {

    static final String NS = "ml";
    static LoopbackHttpServer prometheus;
    static final AtomicReference<Double> waiting = new AtomicReference<>(50.0);

    @KubeApiServerResource.Inject
    KubeApiServer api;
    @Inject
    KubernetesClient client;
    @Inject
    PolicyRegistry registry;
    @Inject
    PolicyScheduler scheduler;
    @Inject
    PolicyTicker ticker;
    @Inject
    TestClock clock;
    @Inject
    MeterRegistry meters;

    @BeforeAll
    static void startPrometheus() {
        prometheus = LoopbackHttpServer.start().handle("/api/v1/query", exchange -> LoopbackHttpServer.send(exchange,
                200, "application/json", PrometheusAnswers.vector(waiting.get()), Map.of()));
    }

    @AfterAll
    static void stopPrometheus() {
        prometheus.close();
    }

    /** A policy scaling on a Prometheus value (target 10 per replica), polled hourly so only the first tick is the scheduler's. */
    private static String policy(String name, int maxReplicas, String query) {
        return """
                apiVersion: ballast.dev/v1alpha1
                kind: ScalingPolicy
                metadata: {namespace: %s, name: %s}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: %s}
                  minReplicas: 1
                  maxReplicas: %d
                  metrics:
                  - type: External
                    external: {metric: {name: waiting}, target: {type: AverageValue, averageValue: "10"}}
                  behavior: {scaleDown: {stabilizationWindowSeconds: 0}}
                  ballast:
                    pollingIntervalSeconds: 3600
                    sources:
                    - metric: waiting
                      prometheus: {serverAddress: "%s", query: "%s"}
                """.formatted(NS, name, name, maxReplicas, prometheus.url(""), query);
    }

    private GenericKubernetesResource apply(String yaml) {
        GenericKubernetesResource obj = Serialization.unmarshal(yaml, GenericKubernetesResource.class);
        String name = obj.getMetadata().getName();
        TestTargets.deployment(client, NS, name, 1);
        return policyObject(yaml);
    }

    private GenericKubernetesResource policyObject(String yaml) {
        GenericKubernetesResource obj = Serialization.unmarshal(yaml, GenericKubernetesResource.class);
        return client.genericKubernetesResources(ScalingPolicyInformer.CONTEXT).inNamespace(NS).resource(obj).createOr(op -> op.update());
    }

    private GenericKubernetesResource object(String name) {
        return client.genericKubernetesResources(ScalingPolicyInformer.CONTEXT).inNamespace(NS).withName(name).get();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> status(String name) {
        Object s = object(name).getAdditionalProperties().get("status");
        return s == null ? Map.of() : (Map<String, Object>) s;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> condition(String name, String type) {
        Object list = status(name).get("conditions");
        if (!(list instanceof List<?> conditions)) {
            return Map.of();
        }
        return conditions.stream().map(c -> (Map<String, Object>) c).filter(c -> type.equals(c.get("type")))
                .findFirst().orElse(Map.of());
    }

    private List<Event> events(String name, String reason) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason())).toList();
    }

    private List<RecordedCall> statusWrites(String name) {
        return api.calls(c -> c.write() && c.path().endsWith("/scalingpolicies/" + name + "/status"));
    }

    @Test
    @DisplayName("an added policy ticks: status shows current, desired, metrics and conditions; SuccessfulRescale says the new size")
    void addedPolicyTicksAndReports() {
        waiting.set(50.0);
        apply(policy("vllm-added", 10, "sum(waiting_added)"));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(status("vllm-added")).containsEntry("desiredReplicas", 5));
        PolicyKey key = new PolicyKey(NS, "vllm-added");
        assertThat(scheduler.scheduled(key)).isTrue();
        Map<String, Object> status = status("vllm-added");
        assertThat(status).containsEntry("currentReplicas", 1).containsKey("lastScaleTime")
                .containsEntry("observedGeneration", object("vllm-added").getMetadata().getGeneration().intValue());
        assertThat(status.get("currentMetrics")).asString().contains("type=External").contains("name=waiting")
                .contains("averageValue=50");
        assertThat(condition("vllm-added", "ValidSpec")).containsEntry("status", "True");
        assertThat(condition("vllm-added", "AbleToScale")).containsEntry("status", "True").containsEntry("reason", "SucceededRescale");
        assertThat(condition("vllm-added", "ScalingActive")).containsEntry("status", "True");
        // the Event is recorded right after the status is written
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(events("vllm-added", "SuccessfulRescale")).singleElement()
                .satisfies(e -> assertThat(e.getMessage()).isEqualTo("New size: 5; reason: external metric waiting(nil) above target"))
                .satisfies(e -> assertThat(e.getType()).isEqualTo("Normal")));
        given().when().get("/scaling/status").then().body("name", hasItem("vllm-added"));
        assertThat(statusWrites("vllm-added")).as("one PATCH of the status subresource per changed status").hasSize(1)
                .allSatisfy(c -> assertThat(c.method()).isEqualTo("PATCH"));
    }

    @Test
    @DisplayName("a refused scale update is AbleToScale=False FailedUpdateScale and a Warning FailedRescale saying the size and the API server's answer")
    void refusedScaleIsFailedRescale() {
        waiting.set(50.0);
        api.failNext("PUT", "/deployments/vllm-refused/scale$", 403, 1);
        apply(policy("vllm-refused", 10, "sum(waiting_refused)"));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(events("vllm-refused", "FailedRescale")).singleElement()
                .satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"))
                .satisfies(e -> assertThat(e.getMessage())
                        .startsWith("New size: 5; reason: external metric waiting(nil) above target; error: PUT ")
                        .contains("/namespaces/ml/deployments/vllm-refused/scale", "403 Forbidden",
                                "injected by the test for PUT")));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(condition("vllm-refused", "AbleToScale"))
                .containsEntry("status", "False").containsEntry("reason", "FailedUpdateScale"));
        assertThat(events("vllm-refused", "SuccessfulRescale")).as("nothing was rescaled").isEmpty();
        assertThat(client.apps().deployments().inNamespace(NS).withName("vllm-refused").get().getSpec().getReplicas()).isEqualTo(1);
        assertThat(failures("vllm-refused", "FailedUpdateScale", "up")).as("the refused update was a scale-up").isEqualTo(1.0);
        assertThat(failures("vllm-refused", "FailedUpdateScale", "down")).isZero();
        assertThat(failures("vllm-refused", "FailedGetScale", "none")).isZero();
    }

    private double failures(String policy, String reason, String direction) {
        return meters.get("ballast.autoscaler.scale.failures").tag("policy_namespace", NS).tag("policy", policy)
                .tag("reason", reason).tag("direction", direction).counter().count();
    }

    @Test
    @DisplayName("a changed spec takes effect at the next tick")
    void changedSpecAtNextTick() {
        waiting.set(40.0);
        apply(policy("vllm-changed", 10, "sum(waiting_changed)"));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(status("vllm-changed")).containsEntry("desiredReplicas", 4));

        apply(policy("vllm-changed", 2, "sum(waiting_changed)"));
        PolicyKey key = new PolicyKey(NS, "vllm-changed");
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.find(key).map(s -> s.spec().maxReplicas()).orElse(0) == 2);
        clock.advance(Duration.ofSeconds(15));
        await().atMost(Duration.ofSeconds(10)).until(() -> ticker.tick(key).isPresent());

        assertThat(registry.find(key).map(PolicyState::lastDecision).orElseThrow().desiredReplicas()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(status("vllm-changed")).containsEntry("desiredReplicas", 2).containsEntry("currentReplicas", 4);
            assertThat(events("vllm-changed", "SuccessfulRescale")).extracting(Event::getMessage)
                    .contains("New size: 2; reason: Current number of replicas above Spec.MaxReplicas");
        });
    }

    @Test
    @DisplayName("a deleted policy stops ticking and loses its state and meters")
    void deletedPolicyIsForgotten() {
        waiting.set(20.0);
        apply(policy("vllm-deleted", 10, "sum(waiting_deleted)"));
        PolicyKey key = new PolicyKey(NS, "vllm-deleted");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(status("vllm-deleted")).containsKey("desiredReplicas"));
        assertThat(meters.find("ballast.autoscaler.policy.desired.replicas").tag("policy", "vllm-deleted").gauge()).isNotNull();

        client.genericKubernetesResources(ScalingPolicyInformer.CONTEXT).inNamespace(NS).withName("vllm-deleted").delete();

        await().atMost(Duration.ofSeconds(10)).until(() -> registry.find(key).isEmpty());
        assertThat(scheduler.scheduled(key)).isFalse();
        assertThat(ticker.tick(key)).isEmpty();
        assertThat(meters.find("ballast.autoscaler.policy.desired.replicas").tag("policy", "vllm-deleted").gauge()).isNull();
        given().when().get("/scaling/status").then().body("name", not(hasItem("vllm-deleted")));
    }

    @Test
    @DisplayName("an invalid policy is not scheduled: ValidSpec=False InvalidSpec with the field path, and a Warning Event")
    void invalidPolicyIsRejectedReadably() {
        apply(policy("vllm-invalid", 10, "sum(x)").replace("  minReplicas: 1\n", "  minReplicas: 12\n"));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(condition("vllm-invalid", "ValidSpec")).containsEntry("status", "False").containsEntry("reason", "InvalidSpec"));
        assertThat(condition("vllm-invalid", "ValidSpec").get("message")).asString()
                .isEqualTo("not scheduled, fix the spec: spec.maxReplicas: Invalid value: 10: must be greater than or equal to `minReplicas`");
        PolicyKey key = new PolicyKey(NS, "vllm-invalid");
        assertThat(registry.find(key)).isEmpty();
        assertThat(scheduler.scheduled(key)).isFalse();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(events("vllm-invalid", "InvalidSpec"))
                .singleElement().satisfies(e -> {
                    assertThat(e.getType()).isEqualTo("Warning");
                    assertThat(e.getMessage()).contains("spec.maxReplicas: Invalid value: 10");
                }));

        apply(policy("vllm-invalid", 10, "sum(x)"));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(condition("vllm-invalid", "ValidSpec")).containsEntry("status", "True"));
        assertThat(scheduler.scheduled(key)).isTrue();
    }

    @Test
    @DisplayName("a metric that keeps failing is one aggregated Event whose count grows, not one Event per tick")
    void repeatedFailureIsAggregated() {
        apply(policy("vllm-failing", 10, "sum(x)").replace(prometheus.url(""), "http://127.0.0.1:1"));
        PolicyKey key = new PolicyKey(NS, "vllm-failing");
        await().atMost(Duration.ofSeconds(20)).until(() -> !events("vllm-failing", "FailedGetExternalMetric").isEmpty());
        int statusWrites = statusWrites("vllm-failing").size();

        for (int i = 0; i < 2; i++) {
            clock.advance(Duration.ofSeconds(15));
            await().atMost(Duration.ofSeconds(10)).until(() -> ticker.tick(key).isPresent());
        }

        assertThat(events("vllm-failing", "FailedGetExternalMetric")).singleElement().satisfies(e -> {
            assertThat(e.getCount()).isEqualTo(3);
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getMessage()).contains("127.0.0.1:1");
        });
        assertThat(events("vllm-failing", "FailedComputeMetricsReplicas")).singleElement()
                .satisfies(e -> assertThat(e.getMessage()).startsWith("invalid metrics (1 invalid out of 1), first error is: "));
        assertThat(condition("vllm-failing", "ScalingActive")).containsEntry("status", "False")
                .containsEntry("reason", "FailedGetExternalMetric");
        assertThat(statusWrites("vllm-failing")).as("the same status is not written again").hasSize(statusWrites)
                .allSatisfy(c -> assertThat(c.fieldManager()).isEqualTo("ballast-autoscaler"));
        Optional<PolicyState> state = registry.find(key);
        assertThat(state).isPresent();
    }
}
