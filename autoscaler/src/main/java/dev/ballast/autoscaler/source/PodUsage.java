package dev.ballast.autoscaler.source;

import java.time.Instant;
import java.util.Map;

/**
 * One pod's metrics.k8s.io sample, in milli-units (cpu in millicores, memory in milli-bytes, as Quantity.MilliValue).
 *
 * @param usageMilli     the pod's usage per resource, summed over its containers; a resource some container does not
 *                       report is absent (the HPA's getPodMetrics drops such a pod for that resource)
 * @param containers     each container's usage per resource, for ContainerResource metrics
 * @param windowSeconds  the sample's window, truncated to whole seconds
 */
public record PodUsage(Instant timestamp, long windowSeconds, Map<String, Long> usageMilli,
                       Map<String, Map<String, Long>> containers) {

    public PodUsage {
        usageMilli = usageMilli == null ? Map.of() : Map.copyOf(usageMilli);
        containers = containers == null ? Map.of() : Map.copyOf(containers);
    }
}
