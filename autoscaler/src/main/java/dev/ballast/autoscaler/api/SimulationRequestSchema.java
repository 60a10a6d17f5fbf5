package dev.ballast.autoscaler.api;

import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;
import java.util.Map;

/**
 * The shape of a what-if request, for the OpenAPI document only: the body is read by {@link SimulationRequestReader}
 * so that every problem can name its field.
 */
@Schema(name = "SimulationRequest")
record SimulationRequestSchema(ScalingPolicySpec spec, Observed observed) {

    @Schema(name = "SimulationObserved")
    record Observed(int specReplicas, Integer statusReplicas, List<Pod> pods,
                    @Schema(description = "Object/External metric name to a number, a quantity string, or {\"error\": \"...\"}")
                    Map<String, Object> metrics,
                    Integer recommendedReplicas, History history,
                    @Schema(description = "Short-window values of Object/External metrics, for burst protection")
                    Map<String, Object> burstMetrics,
                    @Schema(description = "Resource/Pods metric name to samples of pods not in the pod list")
                    Map<String, List<String>> unlistedPodSamples) {
    }

    @Schema(name = "SimulationPod")
    record Pod(String name,
               @Schema(enumeration = {"Pending", "Running", "Succeeded", "Failed"}) String phase,
               @Schema(description = "false: the pod has never been ready") Boolean ready,
               Boolean deleting,
               @Schema(description = "resource name to Kubernetes quantity, e.g. {\"cpu\": \"500m\", \"memory\": \"2Gi\"}")
               Map<String, String> requests,
               @Schema(description = "as requests; an absent entry means no sample") Map<String, String> usage,
               @Schema(description = "Pods metric name to number") Map<String, Double> metrics,
               Integer startedSecondsAgo, Integer readyTransitionSecondsAgo, Integer sampleSecondsAgo,
               Integer sampleWindowSeconds) {
    }

    @Schema(name = "SimulationHistory")
    record History(List<Event> scaleUpEvents, List<Event> scaleDownEvents, List<Rec> recommendations,
                   Integer consecutiveFailures, Integer lastActiveSecondsAgo) {
    }

    record Event(int replicaChange, int secondsAgo) {
    }

    record Rec(int replicas, int secondsAgo) {
    }
}
