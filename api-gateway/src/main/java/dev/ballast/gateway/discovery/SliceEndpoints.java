package dev.ballast.gateway.discovery;

import dev.ballast.gateway.config.KubernetesService;
import dev.ballast.lb.EndpointSpec;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the EndpointSlices of one Service (discovery.k8s.io/v1) into endpoints and their state, merging every slice.
 * Kubernetes semantics: a nil {@code ready} means ready, a nil {@code terminating} means not terminating, and
 * {@code ready} is false while terminating unless the Service publishes not-ready addresses. Only the first address
 * of an endpoint is used (the API says they are fungible); FQDN slices and non-TCP ports are skipped.
 */
final class SliceEndpoints {

    /** What the pool does with an endpoint: route to it, or let its in-flight requests finish and send nothing new. */
    enum State {
        /** {@code ready} and not terminating: takes traffic. */
        READY,
        /** {@code terminating}: drained (even when a Service with publishNotReadyAddresses still marks it ready). */
        TERMINATING,
        /** not ready, not terminating (failing its readiness probe, starting): drained, kept with its live state. */
        NOT_READY
    }

    record Discovered(EndpointSpec spec, State state) {
    }

    private SliceEndpoints() {
    }

    /**
     * Endpoints by id ({@code address:port}), sorted by id so strategies see a stable order. An endpoint listed in
     * two slices (a move between slices is not atomic) keeps its most serving state.
     */
    static Map<String, Discovered> read(Collection<EndpointSlice> slices, KubernetesService service) {
        Map<String, Discovered> endpoints = new TreeMap<>();
        for (EndpointSlice slice : slices) {
            String type = slice.getAddressType();
            if (type != null && !type.equals("IPv4") && !type.equals("IPv6")) {
                continue;
            }
            int port = port(slice.getPorts(), service);
            if (port < 0) {
                continue;
            }
            for (Endpoint endpoint : nullToEmpty(slice.getEndpoints())) {
                List<String> addresses = endpoint.getAddresses();
                if (addresses == null || addresses.isEmpty() || addresses.get(0) == null) {
                    continue;
                }
                String host = addresses.get(0);
                String id = host + ":" + port;
                String pod = endpoint.getTargetRef() == null ? null : endpoint.getTargetRef().getName();
                EndpointSpec spec = new EndpointSpec(id, host, port, 1, endpoint.getZone(),
                        pod == null ? Map.of() : Map.of("pod", pod));
                Discovered found = new Discovered(spec, state(endpoint.getConditions()));
                endpoints.merge(id, found, (a, b) -> a.state().ordinal() <= b.state().ordinal() ? a : b);
            }
        }
        return endpoints;
    }

    static State state(EndpointConditions conditions) {
        if (conditions == null) {
            return State.READY;
        }
        if (Boolean.TRUE.equals(conditions.getTerminating())) {
            return State.TERMINATING;
        }
        return Boolean.FALSE.equals(conditions.getReady()) ? State.NOT_READY : State.READY;
    }

    /**
     * The port this upstream uses in a slice, or -1 when the slice does not offer it. A name is looked up among the
     * slice's ports (its endpoints' target port); a number is used as it is; none means the slice's only TCP port.
     */
    static int port(List<EndpointPort> ports, KubernetesService service) {
        int number = service.portNumber();
        if (number > 0) {
            return number;
        }
        EndpointPort only = null;
        int tcp = 0;
        for (EndpointPort port : nullToEmpty(ports)) {
            if (port.getPort() == null || (port.getProtocol() != null && !port.getProtocol().equals("TCP"))) {
                continue;
            }
            tcp++;
            only = port;
            if (service.port() != null && service.port().equals(port.getName())) {
                return port.getPort();
            }
        }
        return service.port() == null && tcp == 1 ? only.getPort() : -1;
    }

    private static <T> List<T> nullToEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
