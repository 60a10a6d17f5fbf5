package dev.ballast.autoscaler.kube;

import dev.ballast.autoscaler.policy.CrossVersionObjectReference;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.autoscaler.runtime.ScaleActuator.ScaleException;
import dev.ballast.testing.LoopbackPorts;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An API server nobody listens for: every call is a ScaleException with the HPA's reason, never a crash or a hang. */
class KubernetesScaleActuatorTest {

    private final KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
            .withMasterUrl("http://127.0.0.1:" + LoopbackPorts.free()).withRequestTimeout(500).withConnectionTimeout(500)
            .withAutoConfigure(false).withNamespace("test").build()).build();
    private final ApiServer api = new ApiServer(() -> client);
    private final KubernetesScaleActuator actuator = new KubernetesScaleActuator(api, new ScaleTargets(api), "ballast-autoscaler");
    private final PolicyKey key = new PolicyKey("test", "web");
    private final ScalingPolicySpec spec = new ScalingPolicySpec(new CrossVersionObjectReference("apps/v1", "Deployment", "web"),
            1, 10, null, null, null).withDefaults();

    @AfterEach
    void close() {
        client.close();
    }

    @Test
    @DisplayName("reading the scale of an unreachable API server is FailedGetScale saying it got no answer")
    void readUnreachable() {
        assertThatThrownBy(() -> actuator.read(key, spec)).isInstanceOf(ScaleException.class)
                .satisfies(e -> assertThat(((ScaleException) e).reason()).isEqualTo("FailedGetScale"))
                .hasMessageContaining("/apis/apps/v1/namespaces/test/deployments/web/scale")
                .hasMessageContaining("no answer from the API server");
    }

    @Test
    @DisplayName("writing the scale of an unreachable API server is FailedUpdateScale")
    void scaleUnreachable() {
        assertThatThrownBy(() -> actuator.scale(key, spec, 3)).isInstanceOf(ScaleException.class)
                .satisfies(e -> assertThat(((ScaleException) e).reason()).isEqualTo("FailedUpdateScale"));
    }

    @Test
    @DisplayName("a custom kind is looked up by discovery; an unreachable server makes that FailedGetScale too")
    void discoveryUnreachable() {
        ScalingPolicySpec custom = new ScalingPolicySpec(new CrossVersionObjectReference("example.com/v1", "Worker", "w"),
                1, 10, null, null, null).withDefaults();

        assertThatThrownBy(() -> actuator.read(key, custom)).isInstanceOf(ScaleException.class)
                .hasMessageContaining("discovery of example.com/v1 failed");
    }
}
