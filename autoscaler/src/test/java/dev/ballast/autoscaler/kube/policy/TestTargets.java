package dev.ballast.autoscaler.kube.policy;

import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/** Scale targets for the policy-side tests: a Deployment whose pods carry {@code app=<name>}. */
public final class TestTargets {

    private TestTargets() {
    }

    /** Creates Deployment {@code namespace/name} at {@code replicas} unless it exists. */
    public static void deployment(KubernetesClient client, String namespace, String name, int replicas) {
        if (client.apps().deployments().inNamespace(namespace).withName(name).get() != null) {
            return;
        }
        client.apps().deployments().inNamespace(namespace).resource(new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("server").withImage(name).endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
    }
}
