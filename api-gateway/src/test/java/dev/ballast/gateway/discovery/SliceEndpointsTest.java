package dev.ballast.gateway.discovery;

import dev.ballast.gateway.config.KubernetesService;
import dev.ballast.gateway.discovery.SliceEndpoints.State;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SliceEndpointsTest {

    private static final KubernetesService HTTP = new KubernetesService(null, "vllm", "http");

    @ParameterizedTest(name = "ready={0} serving={1} terminating={2} -> {3}")
    @DisplayName("endpoint conditions as Kubernetes defines them (nil ready = ready, nil terminating = not terminating)")
    @CsvSource(nullValues = "nil", value = {
            "nil,   nil,   nil,   READY",
            "true,  true,  false, READY",
            "true,  nil,   nil,   READY",
            "false, false, false, NOT_READY",
            "false, nil,   nil,   NOT_READY",
            "false, true,  true,  TERMINATING",
            "false, false, true,  TERMINATING",
            // publishNotReadyAddresses: ready stays true while terminating; the gateway still drains it
            "true,  true,  true,  TERMINATING",
    })
    void conditions(Boolean ready, Boolean serving, Boolean terminating, State expected) {
        EndpointConditions conditions = new EndpointConditions(ready, serving, terminating);

        assertThat(SliceEndpoints.state(conditions)).isEqualTo(expected);
    }

    @Test
    @DisplayName("no conditions at all means ready")
    void noConditions() {
        assertThat(SliceEndpoints.state(null)).isEqualTo(State.READY);
    }

    @ParameterizedTest(name = "port {0} in [{1}] -> {2}")
    @DisplayName("the port is found by name, used as a number, or the only TCP port")
    @CsvSource(delimiter = '|', nullValues = "nil", value = {
            "http|http:8000:TCP,metrics:9090:TCP|8000",
            "http|metrics:9090:TCP|-1",
            "8001|http:8000:TCP|8001",
            "nil|http:8000:TCP|8000",
            "nil|:8000:TCP|8000",
            "nil|http:8000:TCP,metrics:9090:TCP|-1",
            "nil|dns:53:UDP,http:8000:TCP|8000",
            "http|http:8000:UDP|-1",
    })
    void port(String wanted, String ports, int expected) {
        List<EndpointPort> list = java.util.Arrays.stream(ports.split(",")).map(p -> {
            String[] parts = p.split(":");
            return new EndpointPort(null, parts[0].isEmpty() ? null : parts[0], Integer.parseInt(parts[1]), parts[2]);
        }).toList();

        assertThat(SliceEndpoints.port(list, new KubernetesService(null, "vllm", wanted))).isEqualTo(expected);
    }

    @Test
    @DisplayName("slices are merged; an endpoint in two slices keeps its most serving state; FQDN slices are skipped")
    void merge() {
        EndpointSlice first = slice("vllm-1", "IPv4", 8000, endpoint("10.0.0.1", true, false),
                endpoint("10.0.0.2", false, false));
        EndpointSlice second = slice("vllm-2", "IPv4", 8000, endpoint("10.0.0.2", true, false),
                endpoint("10.0.0.3", false, true));
        EndpointSlice fqdn = slice("vllm-3", "FQDN", 8000, endpoint("pod.example", true, false));

        var endpoints = SliceEndpoints.read(List.of(first, second, fqdn), HTTP);

        assertThat(endpoints).containsOnlyKeys("10.0.0.1:8000", "10.0.0.2:8000", "10.0.0.3:8000");
        assertThat(endpoints.get("10.0.0.2:8000").state()).isEqualTo(State.READY);
        assertThat(endpoints.get("10.0.0.3:8000").state()).isEqualTo(State.TERMINATING);
        assertThat(endpoints.get("10.0.0.1:8000").spec().zone()).isEqualTo("zone-a");
        assertThat(endpoints.get("10.0.0.1:8000").spec().labels()).containsEntry("pod", "pod-10.0.0.1");
    }

    private static io.fabric8.kubernetes.api.model.discovery.v1.Endpoint endpoint(String address, boolean ready,
                                                                               boolean terminating) {
        return new io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder().withAddresses(address)
                .withNewConditions().withReady(ready).withServing(ready || terminating).withTerminating(terminating)
                .endConditions().withZone("zone-a")
                .withNewTargetRef().withKind("Pod").withName("pod-" + address).endTargetRef().build();
    }

    private static EndpointSlice slice(String name, String type, int port,
                                       io.fabric8.kubernetes.api.model.discovery.v1.Endpoint... endpoints) {
        return new EndpointSliceBuilder().withNewMetadata().withName(name).endMetadata().withAddressType(type)
                .addNewPort().withName("http").withPort(port).withProtocol("TCP").endPort()
                .withEndpoints(endpoints).build();
    }
}
