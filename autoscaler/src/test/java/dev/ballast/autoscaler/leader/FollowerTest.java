package dev.ballast.autoscaler.leader;

import dev.ballast.autoscaler.kube.policy.ScalingPolicyInformer;
import dev.ballast.autoscaler.kube.testing.KubeApiServer;
import dev.ballast.autoscaler.kube.testing.KubeApiServerResource;
import dev.ballast.autoscaler.kube.testing.RecordedCall;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import dev.ballast.autoscaler.kube.policy.TestTargets;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/**
 * The application as a follower: another replica holds the Lease, so this one serves the read API (policies,
 * leader=false, ballast_autoscaler_leader 0) but neither scales nor writes status; once the Lease is left to expire
 * it takes over and acts, every call it made granted by the gitops RBAC.
 */
@QuarkusTest
@TestProfile(FollowerProfile.class)
@QuarkusTestResource(value = FollowerTest.OtherHoldsLease.class, restrictToAnnotatedClass = true)
class FollowerTest {

    /**
     * The test API server with the Lease already held by another replica before the application starts, so the
     * application is a follower from its first look and never acts (were it to win the Lease at startup and lose it
     * to the test, it would keep acting for up to renew-deadline and could scale a new policy in that window).
     */
    public static class OtherHoldsLease extends KubeApiServerResource {
        @Override
        public Map<String, String> start() {
            Map<String, String> config = super.start();
            try (KubernetesClient c = testAgentClient(server)) {
                otherHolds(c, 3600);
            }
            server.clearCalls();
            return config;
        }
    }

    static final String NS = "ml";
    static final String TEST_AGENT = "ballast-test";

    @KubeApiServerResource.Inject
    KubeApiServer api;
    /** The test's own client, told apart from the autoscaler's by its user agent. */
    KubernetesClient client;

    @BeforeEach
    void testClient() {
        client = testAgentClient(api);
    }

    static KubernetesClient testAgentClient(KubeApiServer server) {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder(server.client().getConfiguration())
                .withUserAgent(TEST_AGENT).build()).build();
    }

    @AfterEach
    void closeClient() {
        client.close();
    }

    private static ZonedDateTime now() {
        return ZonedDateTime.now(ZoneOffset.UTC);
    }

    /** Another replica's Lease, renewed now, held for the given seconds. */
    private static void otherHolds(KubernetesClient client, int seconds) {
        client.leases().inNamespace("ballast").resource(new LeaseBuilder()
                .withNewMetadata().withName("ballast-autoscaler").withNamespace("ballast").endMetadata()
                .withNewSpec().withHolderIdentity("autoscaler-other").withLeaseDurationSeconds(seconds)
                .withAcquireTime(now()).withRenewTime(now()).withLeaseTransitions(0)
                .endSpec().build()).createOr(op -> op.update());
    }

    @Test
    @DisplayName("a follower answers the read API with leader=false and does not act; it acts once the Lease expires")
    void followerReadsThenTakesOver() {
        // the Lease is the other replica's since before startup (OtherHoldsLease); act only once the app has seen that
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> given().when().get("/scaling/leader").then()
                .statusCode(200).body("leader", equalTo(false)).body("holder", equalTo("autoscaler-other")));
        TestTargets.deployment(client, NS, "vllm", 1);
        GenericKubernetesResource policy = Serialization.unmarshal("""
                apiVersion: ballast.dev/v1alpha1
                kind: ScalingPolicy
                metadata: {namespace: ml, name: vllm}
                spec:
                  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: vllm}
                  minReplicas: 1
                  maxReplicas: 5
                  metrics:
                  - type: External
                    external: {metric: {name: waiting}, target: {type: AverageValue, averageValue: "10"}}
                  ballast:
                    override: {replicas: 3, reason: "load test", expiresAt: "2099-01-01T00:00:00Z"}
                    sources:
                    - metric: waiting
                      prometheus: {serverAddress: "http://127.0.0.1:1", query: "sum(waiting)"}
                """, GenericKubernetesResource.class);
        client.genericKubernetesResources(ScalingPolicyInformer.CONTEXT).inNamespace(NS).resource(policy).create();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                given().when().get("/scaling/status").then().statusCode(200).body("name", hasItem("vllm")));
        given().when().get("/scaling/leader").then().statusCode(200)
                .body("leader", equalTo(false)).body("elected", equalTo(true))
                .body("identity", equalTo("autoscaler-under-test")).body("holder", equalTo("autoscaler-other"));
        given().when().get("/q/metrics").then().body(org.hamcrest.Matchers.containsString("ballast_autoscaler_leader 0.0"));
        assertThat(api.calls(c -> c.write() && (c.path().endsWith("/scale") || c.path().endsWith("/status")))).as("a follower writes nothing").isEmpty();

        otherHolds(client, 1); // the other replica stops renewing: its Lease runs out a second from now

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                given().when().get("/scaling/leader").then().body("leader", equalTo(true)).body("holder", equalTo("autoscaler-under-test")));
        given().when().get("/q/metrics").then().body(org.hamcrest.Matchers.containsString("ballast_autoscaler_leader 1.0"));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(client.apps().deployments().inNamespace(NS)
                .withName("vllm").get().getSpec().getReplicas()).as("the new leader applies the override").isEqualTo(3));

        List<RecordedCall> autoscalerCalls = api.calls(c -> !TEST_AGENT.equals(c.userAgent()));
        GitopsRbac rbac = new GitopsRbac("ballast");
        assertThat(autoscalerCalls).extracting(RecordedCall::path).anyMatch(p -> p.endsWith("/vllm/scale"))
                .anyMatch(p -> p.endsWith("/scalingpolicies/vllm/status")).anyMatch(p -> p.contains("/events"))
                .anyMatch(p -> p.contains("/leases/"));
        assertThat(autoscalerCalls).as("every API call the autoscaler made is granted by gitops/base/autoscaler/rbac.yaml")
                .map(rbac::refusal).containsOnlyNulls();
    }
}