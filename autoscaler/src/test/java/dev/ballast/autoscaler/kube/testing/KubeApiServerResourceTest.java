package dev.ballast.autoscaler.kube.testing;

import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The application's KubernetesClient talks to the injected test API server, subresource rules included. */
@QuarkusTest
@QuarkusTestResource(value = KubeApiServerResource.class, restrictToAnnotatedClass = true)
class KubeApiServerResourceTest {

    @KubeApiServerResource.Inject
    KubeApiServer api;

    @Inject
    KubernetesClient client;

    @Test
    @DisplayName("the application's client reaches the injected server, in namespace test")
    void applicationClientUsesTheServer() {
        client.apps().deployments().resource(new DeploymentBuilder().withNewMetadata().withName("web").endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "web").endSelector().endSpec().build()).create();

        var scale = client.apps().deployments().withName("web").scale();

        assertThat(client.getNamespace()).isEqualTo("test");
        assertThat(scale.getSpec().getReplicas()).isEqualTo(2);
        assertThat(scale.getStatus().getSelector()).isEqualTo("app=web");
        assertThat(api.calls(c -> c.path().equals("/apis/apps/v1/namespaces/test/deployments/web/scale"))).hasSize(1);
    }
}
