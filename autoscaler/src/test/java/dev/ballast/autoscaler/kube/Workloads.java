package dev.ballast.autoscaler.kube;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.ContainerMetricsBuilder;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetrics;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetricsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Arranges targets on the test API server as a cluster would show them: a Deployment or StatefulSet whose status the
 * controller has written, its pods (two containers each, as the Go replica calculator tests build them) and their
 * metrics.k8s.io samples, all timed against the loop's clock.
 */
final class Workloads {

    private final KubernetesClient client;

    Workloads(KubernetesClient client) {
        this.client = client;
    }

    /** A Deployment {@code app=<name>} at {@code replicas}, status.replicas the same. */
    Deployment deployment(String name, int replicas) {
        Deployment d = client.apps().deployments().resource(new DeploymentBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("c0").withImage("inference:1").endContainer().endSpec().endTemplate()
                .endSpec().build()).create();
        d.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder().withReplicas(replicas).build());
        return client.apps().deployments().resource(d).updateStatus();
    }

    StatefulSet statefulSet(String name, int replicas) {
        StatefulSet s = client.apps().statefulSets().resource(new StatefulSetBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withReplicas(replicas).withServiceName(name).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("c0").withImage("db:1").endContainer().endSpec().endTemplate()
                .endSpec().build()).create();
        s.setStatus(new io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder().withReplicas(replicas).build());
        return client.apps().statefulSets().resource(s).updateStatus();
    }

    int replicas(String deployment) {
        return client.apps().deployments().withName(deployment).get().getSpec().getReplicas();
    }

    /** Running, Ready pods, one per entry of {@code requestMilli} (see {@link #pods}). */
    List<String> readyPods(String app, Instant now, long... requestMilli) {
        String[] states = new String[requestMilli.length];
        java.util.Arrays.fill(states, "ready");
        return pods(app, now, states, requestMilli[0]);
    }

    /**
     * One pod per state word of the Go replica calculator tests, started ten minutes before {@code now} (past the
     * CPU initialization period), two containers c0 and c1 each requesting {@code requestMilli} of CPU:
     * {@code ready} (Running, Ready since start), {@code unready} (Running, Ready=False since start, so never ready),
     * {@code pending}, {@code failed}, {@code deleting} (Running and Ready, deleted but held by a finalizer).
     */
    List<String> pods(String app, Instant now, String[] states, long requestMilli) {
        List<String> names = new ArrayList<>();
        Instant since = now.minus(Duration.ofMinutes(10));
        for (int i = 0; i < states.length; i++) {
            String name = app + "-" + i;
            String state = states[i];
            PodBuilder pod = new PodBuilder().withNewMetadata().withName(name).addToLabels("app", app).endMetadata()
                    .withNewSpec().withContainers(container("c0", requestMilli), container("c1", requestMilli)).endSpec();
            switch (state) {
                case "ready", "deleting" -> pod.withNewStatus().withPhase("Running").withStartTime(since.toString())
                        .addNewCondition().withType("Ready").withStatus("True").withLastTransitionTime(since.toString()).endCondition()
                        .endStatus();
                case "unready" -> pod.withNewStatus().withPhase("Running").withStartTime(since.toString())
                        .addNewCondition().withType("Ready").withStatus("False").withLastTransitionTime(since.toString()).endCondition()
                        .endStatus();
                case "pending" -> pod.withNewStatus().withPhase("Pending").endStatus();
                case "failed" -> pod.withNewStatus().withPhase("Failed").withStartTime(since.toString()).endStatus();
                default -> throw new IllegalArgumentException("unknown pod state " + state);
            }
            if (state.equals("deleting")) {
                // as on a real API server: a create drops deletionTimestamp, a delete held by a finalizer sets it
                pod.editMetadata().addToFinalizers("ballast.dev/test-hold").endMetadata();
            }
            client.pods().resource(pod.build()).create();
            if (state.equals("deleting")) {
                client.pods().withName(name).delete();
            }
            names.add(name);
        }
        return names;
    }

    private static io.fabric8.kubernetes.api.model.Container container(String name, long cpuMilli) {
        return new ContainerBuilder().withName(name).withImage("inference:1").withNewResources()
                .addToRequests("cpu", new Quantity(cpuMilli + "m")).endResources().build();
    }

    /** metrics-server's sample of a pod: each of c0 and c1 used {@code cpuMilli}, measured 15 s before now over 30 s. */
    void podMetrics(String app, String pod, Instant now, long cpuMilli) {
        PodMetrics m = new PodMetricsBuilder().withNewMetadata().withName(pod).withNamespace("test").addToLabels("app", app).endMetadata()
                .withTimestamp(now.minusSeconds(15).toString())
                .withWindow(new io.fabric8.kubernetes.api.model.Duration(Duration.ofSeconds(30)))
                .withContainers(new ContainerMetricsBuilder().withName("c0").addToUsage("cpu", new Quantity(cpuMilli + "m")).build(),
                        new ContainerMetricsBuilder().withName("c1").addToUsage("cpu", new Quantity(cpuMilli + "m")).build())
                .build();
        client.resource(m).create();
    }
}
