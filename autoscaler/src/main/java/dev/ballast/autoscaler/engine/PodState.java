package dev.ballast.autoscaler.engine;

import java.time.Instant;
import java.util.Map;

/**
 * One pod of the target as the HPA sees it: phase, Ready condition, times, requests and samples. Quantities are
 * integer milli-units (Quantity.MilliValue()). A resource absent from {@code usageMilli} means no sample for it.
 *
 * @param ready               the Ready condition: TRUE, FALSE, or null when the pod has no Ready condition
 * @param readyTransitionTime lastTransitionTime of the Ready condition (null: same as startTime)
 * @param usageTimestamp      timestamp of the resource sample (null: now); {@code usageWindowSeconds} its window
 * @param requestsMilli       resource requests summed as calculateRequests does (containers + restartable init
 *                            containers, or pod-level requests)
 * @param metricsMilli        Pods-metric samples by metric name
 * @param containers          per-container requests and usage, only needed for ContainerResource metrics
 */
public record PodState(
        String name,
        PodPhase phase,
        Boolean ready,
        boolean deleting,
        Instant startTime,
        Instant readyTransitionTime,
        Instant usageTimestamp,
        long usageWindowSeconds,
        Map<String, Long> requestsMilli,
        Map<String, Long> usageMilli,
        Map<String, Long> metricsMilli,
        Map<String, ContainerState> containers) {

    public PodState {
        requestsMilli = requestsMilli == null ? Map.of() : requestsMilli;
        usageMilli = usageMilli == null ? Map.of() : usageMilli;
        metricsMilli = metricsMilli == null ? Map.of() : metricsMilli;
        containers = containers == null ? Map.of() : containers;
    }

    /** A container's requests and usage, milli-units by resource name. */
    public record ContainerState(Map<String, Long> requestsMilli, Map<String, Long> usageMilli) {
        public ContainerState {
            requestsMilli = requestsMilli == null ? Map.of() : requestsMilli;
            usageMilli = usageMilli == null ? Map.of() : usageMilli;
        }
    }

    /** getReadyPodsCount: Running and Ready=True. */
    public boolean runningAndReady() {
        return phase == PodPhase.RUNNING && Boolean.TRUE.equals(ready);
    }
}
