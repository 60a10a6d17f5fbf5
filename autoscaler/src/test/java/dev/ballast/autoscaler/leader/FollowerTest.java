package dev.ballast.autoscaler.leader;

import dev.ballast.autoscaler.kube.policy.ScalingPolicyInformer;
import dev.ballast.autoscaler.kube.testing.KubeApiServer;
import dev.ballast.autoscaler.kube.testing.KubeApiServerResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import dev.ballast.autoscaler.kube.policy.TestTargets;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
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
 * it takes over and acts.
 */
@QuarkusTest
@TestProfile(FollowerProfile.class)
@QuarkusTestResource(value = KubeApiServerResource.class, restrictToAnnotatedClass = true)
class FollowerTest {

    static final String NS = "ml";

    @KubeApiServerResource.Inject
    KubeApiServer api;
    @Inject
    KubernetesClient client;

    private static ZonedDateTime now() {
        return ZonedDateTime.now(ZoneOffset.UTC);
    }

    /** Another replica's Lease, renewed now, held for the given seconds. */
    private void otherHolds(int seconds) {
        client.leases().inNamespace("ballast").resource(new LeaseBuilder()
                .withNewMetadata().withName("ballast-autoscaler").withNamespace("ballast").endMetadata()
                .withNewSpec().withHolderIdentity("autoscaler-other").withLeaseDurationSeconds(seconds)
                .withAcquireTime(now()).withRenewTime(now()).withLeaseTransitions(0)
                .endSpec().build()).createOr(op -> op.update());
    }

    @Test
    @DisplayName("a follower answers the read API with leader=false and does not act; it acts once the Lease expires")
    void followerReadsThenTakesOver() {
        otherHolds(3600);
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
        assertThat(api.calls(c -> c.write() && (c.path().endsWith("/scale") || c.path().endsWith("/status")))).isEmpty();

        otherHolds(1); // the other replica stops renewing: its Lease runs out a second from now

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                given().when().get("/scaling/leader").then().body("leader", equalTo(true)).body("holder", equalTo("autoscaler-under-test")));
        given().when().get("/q/metrics").then().body(org.hamcrest.Matchers.containsString("ballast_autoscaler_leader 1.0"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.apps().deployments().inNamespace(NS)
                .withName("vllm").get().getSpec().getReplicas()).as("the new leader applies the override").isEqualTo(3));
    }
}
