package dev.ballast.autoscaler.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds pods in the states the Kubernetes replica calculator tests use: ready, unready (never ready), hot (inside
 * the CPU initialization period with a stale sample), pending, failed, deleting.
 */
final class TestPods {

    static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

    private TestPods() {
    }

    /** Pods with a resource request and usage (null usage = no sample), one state word per pod. */
    static List<PodState> resourcePods(String resource, long[] requests, Long[] usage, String[] states) {
        List<PodState> pods = new ArrayList<>();
        for (int i = 0; i < states.length; i++) {
            Map<String, Long> use = new HashMap<>();
            if (usage[i] != null) {
                use.put(resource, usage[i]);
            }
            pods.add(pod("pod-" + i, states[i], Map.of(resource, requests[i]), use, Map.of()));
        }
        return pods;
    }

    /** Pods carrying a Pods-metric sample (null = no sample). */
    static List<PodState> metricPods(String metric, Long[] values, String[] states) {
        List<PodState> pods = new ArrayList<>();
        for (int i = 0; i < states.length; i++) {
            Map<String, Long> m = new HashMap<>();
            if (values[i] != null) {
                m.put(metric, values[i]);
            }
            pods.add(pod("pod-" + i, states[i], Map.of(), Map.of(), m));
        }
        return pods;
    }

    static PodState pod(String name, String state, Map<String, Long> requests, Map<String, Long> usage,
                        Map<String, Long> metrics) {
        Instant longAgo = NOW.minusSeconds(3600);
        return switch (state) {
            case "ready" -> new PodState(name, PodPhase.RUNNING, true, false, longAgo, longAgo.plusSeconds(60), NOW, 30,
                    requests, usage, metrics, null);
            case "unready" -> new PodState(name, PodPhase.RUNNING, false, false, longAgo, longAgo, NOW, 30,
                    requests, usage, metrics, null);
            case "hot" -> new PodState(name, PodPhase.RUNNING, true, false, NOW.minusSeconds(30), NOW.minusSeconds(10), NOW, 30,
                    requests, usage, metrics, null);
            case "pending" -> new PodState(name, PodPhase.PENDING, null, false, null, null, null, 0,
                    requests, usage, metrics, null);
            case "failed" -> new PodState(name, PodPhase.FAILED, false, false, longAgo, longAgo, NOW, 30,
                    requests, usage, metrics, null);
            case "deleting" -> new PodState(name, PodPhase.RUNNING, true, true, longAgo, longAgo.plusSeconds(60), NOW, 30,
                    requests, usage, metrics, null);
            default -> throw new IllegalArgumentException("unknown pod state " + state);
        };
    }

    static long[] longs(String csv) {
        String[] parts = csv.trim().split("\\s+");
        long[] out = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Long.parseLong(parts[i]);
        }
        return out;
    }

    /** Space-separated numbers, "-" for no sample. */
    static Long[] samples(String csv) {
        String[] parts = csv.trim().split("\\s+");
        Long[] out = new Long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = parts[i].equals("-") ? null : Long.parseLong(parts[i]);
        }
        return out;
    }

    static String[] words(String csv) {
        return csv.trim().split("\\s+");
    }
}
