package dev.ballast.autoscaler.kube.policy;

import dev.ballast.autoscaler.engine.Condition;
import dev.ballast.autoscaler.engine.Decision;
import dev.ballast.autoscaler.engine.MetricStatus;
import dev.ballast.autoscaler.policy.MetricSpec;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import dev.ballast.autoscaler.policy.Violation;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Builds the {@code status} of a ScalingPolicy from a decision, in the shape of autoscaling/v2
 * HorizontalPodAutoscalerStatus (currentMetrics as MetricStatus, conditions with lastTransitionTime kept while the
 * status of a condition does not change, as the HPA's setCondition does) plus the forecast. Pure: no I/O.
 */
final class PolicyStatusBody {

    static final String VALID_SPEC = "ValidSpec";

    private PolicyStatusBody() {
    }

    /** The status after a decision; {@code previous} is the status as it stands (for transition times, kept fields). */
    static Map<String, Object> of(ScalingPolicySpec spec, Decision d, boolean scaleUnreadable, Instant lastScaleTime,
                                  Long generation, Map<String, Object> previous, Instant now) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("observedGeneration", generation);
        if (scaleUnreadable) {
            // the HPA leaves replicas and metrics as they were when it cannot read the scale
            out.put("currentReplicas", previous.get("currentReplicas"));
            out.put("desiredReplicas", previous.get("desiredReplicas"));
            out.put("currentMetrics", previous.get("currentMetrics"));
        } else {
            out.put("currentReplicas", d.currentReplicas());
            out.put("desiredReplicas", d.desiredReplicas());
            out.put("currentMetrics", currentMetrics(spec, d.metrics()));
        }
        if (lastScaleTime != null || previous.containsKey("lastScaleTime")) {
            out.put("lastScaleTime", lastScaleTime == null ? null : time(lastScaleTime));
        }
        List<Condition> conditions = new ArrayList<>();
        conditions.add(Condition.of(VALID_SPEC, true, "ValidSpec", "the spec passed validation"));
        conditions.addAll(d.conditions());
        out.put("conditions", conditions(conditions, previous, now));
        if (d.forecast() != null || previous.containsKey("forecast")) {
            out.put("forecast", d.forecast() == null ? null : forecast(d.forecast())); // null removes it (merge patch)
        }
        return out;
    }

    /** The status of a policy that is not scheduled because its spec is invalid: why, with each field path. */
    static Map<String, Object> invalid(List<Violation> violations, Long generation, Map<String, Object> previous, Instant now) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("observedGeneration", generation);
        String message = "not scheduled, fix the spec: "
                + violations.stream().map(Violation::toString).collect(Collectors.joining("; "));
        out.put("conditions", conditions(List.of(Condition.of(VALID_SPEC, false, "InvalidSpec", message)), previous, now));
        return out;
    }

    static List<Map<String, Object>> currentMetrics(ScalingPolicySpec spec, List<MetricStatus> statuses) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (MetricStatus m : statuses) {
            if (m.error() != null) {
                continue; // nothing was measured; the condition and the Event say why
            }
            MetricSpec source = spec.metrics().stream().filter(s -> m.name().equals(s.displayName())
                    && m.type().equals(s.type().wire())).findFirst().orElse(null);
            Map<String, Object> current = new LinkedHashMap<>();
            if (m.currentValue() != null) {
                current.put("value", m.currentValue().text());
            }
            if (m.currentAverageValue() != null) {
                current.put("averageValue", m.currentAverageValue().text());
            }
            if (m.currentAverageUtilization() != null) {
                current.put("averageUtilization", m.currentAverageUtilization());
            }
            Map<String, Object> block = new LinkedHashMap<>();
            String key;
            switch (m.type()) {
                case "Resource" -> {
                    key = "resource";
                    block.put("name", m.name());
                }
                case "ContainerResource" -> {
                    key = "containerResource";
                    block.put("name", m.name());
                    block.put("container", source == null ? null : source.containerResource().container());
                }
                case "Pods" -> {
                    key = "pods";
                    block.put("metric", source == null ? Map.of("name", m.name()) : source.pods().metric());
                }
                case "Object" -> {
                    key = "object";
                    if (source != null) {
                        block.put("describedObject", source.object().describedObject());
                    }
                    block.put("metric", source == null ? Map.of("name", m.name()) : source.object().metric());
                }
                default -> {
                    key = "external";
                    block.put("metric", source == null ? Map.of("name", m.name()) : source.external().metric());
                }
            }
            block.put("current", current);
            Map<String, Object> status = new LinkedHashMap<>();
            status.put("type", m.type());
            status.put(key, block);
            out.add(status);
        }
        return out;
    }

    /** Conditions with lastTransitionTime: kept from {@code previous} while type and status are unchanged. */
    static List<Map<String, Object>> conditions(List<Condition> conditions, Map<String, Object> previous, Instant now) {
        Map<String, Map<?, ?>> before = new LinkedHashMap<>();
        if (previous != null && previous.get("conditions") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> c && c.get("type") instanceof String type) {
                    before.put(type, c);
                }
            }
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Condition c : conditions) {
            Map<?, ?> old = before.get(c.type());
            Object since = old != null && Objects.equals(old.get("status"), c.status()) && old.get("lastTransitionTime") != null
                    ? old.get("lastTransitionTime") : time(now);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", c.type());
            m.put("status", c.status());
            m.put("lastTransitionTime", since);
            m.put("reason", c.reason());
            m.put("message", c.message());
            out.add(m);
        }
        return out;
    }

    private static Map<String, Object> forecast(Decision.Forecast f) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mode", f.mode());
        out.put("method", f.method());
        out.put("horizonSeconds", f.horizonSeconds());
        out.put("replicas", f.replicas());
        out.put("applied", f.applied());
        List<Map<String, Object>> metrics = new ArrayList<>();
        for (Decision.MetricForecast m : f.metrics()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("name", m.name());
            one.put("currentValue", finite(m.currentValue()));
            one.put("predictedPeak", finite(m.predictedPeak()));
            one.put("replicas", m.replicas());
            metrics.add(one);
        }
        out.put("metrics", metrics);
        return out;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** RFC 3339 at second precision, as metav1.Time serializes. */
    static String time(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
