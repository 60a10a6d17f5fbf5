package dev.ballast.autoscaler.kube;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ballast.autoscaler.engine.PodPhase;
import dev.ballast.autoscaler.engine.PodState;
import dev.ballast.autoscaler.source.PodUsage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A core/v1 Pod as the HPA's replica calculator reads it: phase, the Ready condition and its lastTransitionTime,
 * startTime, deletionTimestamp, and requests summed as calculateRequests does (regular containers plus restartable
 * init containers; pod-level requests, when set, for the whole pod). Usage is attached later from metrics.k8s.io.
 */
final class TargetPods {

    private TargetPods() {
    }

    /** Every item of a PodList body. */
    static List<PodState> fromList(JsonNode podList) {
        List<PodState> out = new ArrayList<>();
        for (JsonNode pod : podList.path("items")) {
            out.add(fromPod(pod));
        }
        return out;
    }

    static PodState fromPod(JsonNode pod) {
        JsonNode meta = pod.path("metadata");
        JsonNode status = pod.path("status");
        Boolean ready = null;
        Instant readySince = null;
        for (JsonNode c : status.path("conditions")) {
            if ("Ready".equals(c.path("type").asText())) {
                // podutil.IsPodReady: only "True" is ready; "False" and "Unknown" are not
                ready = "True".equals(c.path("status").asText());
                readySince = PodUsage.time(c.path("lastTransitionTime"));
            }
        }
        Map<String, PodState.ContainerState> containers = new LinkedHashMap<>();
        for (JsonNode c : counted(pod.path("spec"))) {
            containers.put(c.path("name").asText(), new PodState.ContainerState(PodUsage.quantities(c.path("resources").path("requests")), Map.of()));
        }
        return new PodState(meta.path("name").asText(), phase(status.path("phase").asText("")), ready,
                meta.hasNonNull("deletionTimestamp"), PodUsage.time(status.path("startTime")), readySince, null, 0,
                podRequests(pod.path("spec"), containers), Map.of(), Map.of(), containers);
    }

    /** Regular containers and the restartable (sidecar) init containers: the ones calculateRequests counts. */
    private static List<JsonNode> counted(JsonNode spec) {
        List<JsonNode> out = new ArrayList<>();
        spec.path("containers").forEach(out::add);
        for (JsonNode init : spec.path("initContainers")) {
            if ("Always".equals(init.path("restartPolicy").asText())) {
                out.add(init);
            }
        }
        return out;
    }

    /**
     * Per resource: the pod-level request when the pod sets one (PodLevelResources), else the sum over counted
     * containers; a resource some counted container does not request is left out, which the engine reports as
     * "missing request".
     */
    private static Map<String, Long> podRequests(JsonNode spec, Map<String, PodState.ContainerState> containers) {
        Map<String, Long> out = new LinkedHashMap<>(PodUsage.sumWhereAllHave(
                containers.values().stream().map(PodState.ContainerState::requestsMilli).toList()));
        out.putAll(PodUsage.quantities(spec.path("resources").path("requests")));
        return out;
    }

    private static PodPhase phase(String phase) {
        return switch (phase) {
            case "Pending" -> PodPhase.PENDING;
            case "Running" -> PodPhase.RUNNING;
            case "Succeeded" -> PodPhase.SUCCEEDED;
            case "Failed" -> PodPhase.FAILED;
            default -> PodPhase.UNKNOWN;
        };
    }
}
