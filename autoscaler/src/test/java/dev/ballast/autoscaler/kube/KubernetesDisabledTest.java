package dev.ballast.autoscaler.kube;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ballast.autoscaler.engine.Decision;
import dev.ballast.autoscaler.kube.testing.KubeApiServer;
import dev.ballast.autoscaler.kube.testing.KubeApiServerResource;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.autoscaler.registry.PolicyRegistry;
import dev.ballast.autoscaler.runtime.ManualTicks;
import dev.ballast.autoscaler.runtime.PolicyTicker;
import dev.ballast.autoscaler.runtime.ScaleActuator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code ballast.autoscaler.kubernetes.enabled=false} (the default) an API server is there and the application's
 * client points at it, yet a full tick of a policy on a Deployment, with a CPU metric, sends it nothing.
 */
@QuarkusTest
@TestProfile(ManualTicks.class)
@QuarkusTestResource(value = KubeApiServerResource.class, restrictToAnnotatedClass = true)
class KubernetesDisabledTest {

    @KubeApiServerResource.Inject
    KubeApiServer api;
    @Inject
    PolicyRegistry registry;
    @Inject
    PolicyTicker ticker;
    @Inject
    ScaleActuator actuator;
    @Inject
    ObjectMapper json;
    @Inject
    KubernetesClient client;

    @Test
    @DisplayName("the loop runs dry and nothing contacts the API server")
    void nothingContactsTheApiServer() throws Exception {
        PolicyKey key = new PolicyKey("test", "dry");
        registry.upsert(key, json.readValue("""
                {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "minReplicas": 2, "maxReplicas": 10,
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]}""",
                ScalingPolicySpec.class));

        Decision d = ticker.tick(key).orElseThrow();

        assertThat(client.getConfiguration().getMasterUrl()).as("a call would reach the test server").isEqualTo(api.url());
        assertThat(actuator.dryRun()).isTrue();
        assertThat(d.currentReplicas()).isEqualTo(2);
        assertThat(d.metrics().get(0).error()).contains("resource metrics need the Kubernetes metrics API");
        assertThat(api.calls()).isEmpty();
    }
}
