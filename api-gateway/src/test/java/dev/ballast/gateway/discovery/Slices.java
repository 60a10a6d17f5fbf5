package dev.ballast.gateway.discovery;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;

/**
 * EndpointSlices as the EndpointSlice controller writes them for a Service: one endpoint per slice here, because each
 * loopback origin listens on its own port and Kubernetes puts endpoints with different ports in different slices.
 */
final class Slices {

    static final String SERVICE = "vllm";

    private Slices() {
    }

    /** {@code ready}/{@code serving}/{@code terminating} as the controller sets them (ready is false while terminating). */
    static EndpointSlice slice(String name, int port, String pod, boolean ready, boolean serving, boolean terminating) {
        return new EndpointSliceBuilder()
                .withNewMetadata().withName(name).addToLabels(KubernetesEndpointSlices.SERVICE_NAME_LABEL, SERVICE)
                .addToLabels("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io").endMetadata()
                .withAddressType("IPv4")
                .addNewPort().withName("http").withPort(port).withProtocol("TCP").endPort()
                .addNewEndpoint().withAddresses("127.0.0.1")
                .withNewConditions().withReady(ready).withServing(serving).withTerminating(terminating).endConditions()
                .withNewTargetRef().withKind("Pod").withName(pod).endTargetRef()
                .endEndpoint()
                .build();
    }

    static EndpointSlice ready(String name, int port, String pod) {
        return slice(name, port, pod, true, true, false);
    }

    static EndpointSlice notReady(String name, int port, String pod) {
        return slice(name, port, pod, false, false, false);
    }

    static EndpointSlice terminating(String name, int port, String pod) {
        return slice(name, port, pod, false, true, true);
    }
}
