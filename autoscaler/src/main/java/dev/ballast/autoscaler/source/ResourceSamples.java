package dev.ballast.autoscaler.source;

import dev.ballast.autoscaler.engine.PodState;
import dev.ballast.autoscaler.policy.MetricSourceType;
import dev.ballast.autoscaler.policy.MetricSpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Puts metrics.k8s.io samples on the target's pods the way the HPA's replica calculator pairs them: by pod name, with
 * the sample's timestamp and window (for the CPU readiness rules). Samples of pods the target does not list are handed
 * on as unlisted samples per metric (the HPA counts them in len(metrics)).
 */
public final class ResourceSamples {

    private ResourceSamples() {
    }

    /**
     * @param resourceMetrics the policy's Resource and ContainerResource metrics
     * @param unlisted        receives, per metric display name, the samples of pods not in {@code pods}
     */
    public static List<PodState> attach(List<PodState> pods, Map<String, PodUsage> usage, List<MetricSpec> resourceMetrics,
                                        Map<String, long[]> unlisted) {
        if (usage.isEmpty()) {
            return pods;
        }
        List<PodState> out = new ArrayList<>(pods.size());
        for (PodState p : pods) {
            PodUsage u = usage.get(p.name());
            if (u == null) {
                out.add(p);
                continue;
            }
            Map<String, PodState.ContainerState> containers = new LinkedHashMap<>();
            p.containers().forEach((name, c) -> containers.put(name,
                    new PodState.ContainerState(c.requestsMilli(), u.containers().getOrDefault(name, Map.of()))));
            out.add(new PodState(p.name(), p.phase(), p.ready(), p.deleting(), p.startTime(), p.readyTransitionTime(),
                    u.timestamp(), u.windowSeconds(), p.requestsMilli(), u.usageMilli(), p.metricsMilli(), containers));
        }
        Set<String> listed = pods.stream().map(PodState::name).collect(Collectors.toSet());
        for (MetricSpec m : resourceMetrics) {
            List<Long> samples = new ArrayList<>();
            usage.forEach((pod, u) -> {
                if (!listed.contains(pod)) {
                    Long v = m.type() == MetricSourceType.CONTAINER_RESOURCE
                            ? u.containers().getOrDefault(m.containerResource().container(), new HashMap<>()).get(m.displayName())
                            : u.usageMilli().get(m.displayName());
                    if (v != null) {
                        samples.add(v);
                    }
                }
            });
            if (!samples.isEmpty()) {
                unlisted.put(m.displayName(), samples.stream().mapToLong(Long::longValue).toArray());
            }
        }
        return out;
    }
}
