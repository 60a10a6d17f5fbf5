package dev.ballast.autoscaler.source;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ballast.autoscaler.policy.Quantity;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

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

    /**
     * A quantity as Quantity.MilliValue() gives it (rounded up), including the nano and micro suffixes metrics-server
     * writes CPU in ("1500000n"), which policy quantities never use.
     */
    /** A ResourceList as milli-values (Quantity.MilliValue, rounded up). */
    public static Map<String, Long> quantities(JsonNode list) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : list.properties()) {
            out.put(e.getKey(), milli(e.getValue().asText()));
        }
        return out;
    }

    /** An RFC 3339 time field, or null when absent or unreadable. */
    public static Instant time(JsonNode node) {
        if (node == null || !node.isTextual()) {
            return null;
        }
        try {
            return Instant.parse(node.asText());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    public static long milli(String quantity) {
        String q = quantity.trim();
        if (q.endsWith("n") || q.endsWith("u")) {
            BigDecimal units = new BigDecimal(q.substring(0, q.length() - 1)).movePointLeft(q.endsWith("n") ? 9 : 6);
            return units.movePointRight(3).setScale(0, RoundingMode.CEILING).longValueExact();
        }
        return Quantity.parse(q).milli();
    }

    /**
     * Per resource, the sum over the parts (a pod's containers), left out where some part lacks the resource: how the
     * HPA sums container usage (getPodMetrics) and container requests (calculateRequests). No parts, no sums.
     */
    public static Map<String, Long> sumWhereAllHave(Collection<Map<String, Long>> parts) {
        Set<String> resources = new LinkedHashSet<>();
        parts.forEach(p -> resources.addAll(p.keySet()));
        Map<String, Long> sums = new LinkedHashMap<>();
        for (String resource : resources) {
            long sum = 0;
            boolean all = true;
            for (Map<String, Long> part : parts) {
                Long v = part.get(resource);
                if (v == null) {
                    all = false;
                    break;
                }
                sum += v;
            }
            if (all) {
                sums.put(resource, sum);
            }
        }
        return sums;
    }
}
