package dev.ballast.autoscaler.policy;

import dev.ballast.autoscaler.policy.BallastSpec.Activation;
import dev.ballast.autoscaler.policy.HPAScalingRules.HPAScalingPolicy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates a ScalingPolicy spec with the rules of pkg/apis/autoscaling/validation (same limits and wording where
 * the HPA has one) plus the rules of the Ballast extensions. Every violation names its field path.
 */
public final class PolicyValidator {

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    static final int MAX_STABILIZATION_SECONDS = 3600;
    static final int MAX_PERIOD_SECONDS = 1800;

    private PolicyValidator() {
    }

    /** Throws {@link InvalidPolicyException} listing every violation, or returns the spec with defaults applied. */
    public static ScalingPolicySpec validateAndDefault(ScalingPolicySpec spec, String path) {
        List<Violation> violations = validate(spec, path);
        if (!violations.isEmpty()) {
            throw new InvalidPolicyException(violations);
        }
        return spec.withDefaults();
    }

    public static List<Violation> validate(ScalingPolicySpec spec, String path) {
        List<Violation> out = new ArrayList<>();
        if (spec == null) {
            out.add(new Violation(path, "Required value: a ScalingPolicy spec is required"));
            return out;
        }
        validateTargetRef(spec.scaleTargetRef(), path + ".scaleTargetRef", out);
        boolean hasObjectOrExternal = spec.metrics() != null && spec.metrics().stream()
                .anyMatch(m -> m != null && (m.type() == MetricSourceType.OBJECT || m.type() == MetricSourceType.EXTERNAL));
        Integer min = spec.minReplicas();
        if (min != null) {
            if (min < 0) {
                out.add(new Violation(path + ".minReplicas", "Invalid value: " + min + ": must be greater than or equal to 0"));
            } else if (min == 0 && !hasObjectOrExternal) {
                // the HPA's HPAScaleToZero rule: with no pods, only Object and External metrics can be read
                out.add(new Violation(path + ".minReplicas", "Invalid value: 0: must be greater than or equal to 1"
                        + " unless at least one Object or External metric is configured"));
            }
        }
        Integer max = spec.maxReplicas();
        if (max == null) {
            out.add(new Violation(path + ".maxReplicas", "Required value: must be set"));
        } else if (max < 1) {
            out.add(new Violation(path + ".maxReplicas", "Invalid value: " + max + ": must be greater than 0"));
        } else if (max < spec.effectiveMinReplicas()) {
            out.add(new Violation(path + ".maxReplicas", "Invalid value: " + max
                    + ": must be greater than or equal to `minReplicas`"));
        }
        Set<String> metricNames = new HashSet<>();
        Set<String> externalNames = new HashSet<>();
        if (spec.metrics() != null) {
            for (int i = 0; i < spec.metrics().size(); i++) {
                MetricSpec metric = spec.metrics().get(i);
                validateMetric(metric, path + ".metrics[" + i + "]", out);
                if (metric != null && metric.displayName() != null) {
                    metricNames.add(metric.displayName());
                    if (metric.type() != MetricSourceType.RESOURCE && metric.type() != MetricSourceType.CONTAINER_RESOURCE) {
                        externalNames.add(metric.displayName());
                    }
                }
            }
        }
        if (spec.behavior() != null) {
            validateRules(spec.behavior().scaleUp(), path + ".behavior.scaleUp", out);
            validateRules(spec.behavior().scaleDown(), path + ".behavior.scaleDown", out);
        }
        if (spec.ballast() != null) {
            validateBallast(spec.ballast(), path + ".ballast", spec, metricNames, externalNames, out);
        }
        return out;
    }

    private static void validateTargetRef(CrossVersionObjectReference ref, String path, List<Violation> out) {
        if (ref == null) {
            out.add(new Violation(path, "Required value: must name the workload to scale (kind, name)"));
            return;
        }
        if (blank(ref.kind())) {
            out.add(new Violation(path + ".kind", "Required value"));
        }
        if (blank(ref.name())) {
            out.add(new Violation(path + ".name", "Required value"));
        }
    }

    private static void validateMetric(MetricSpec metric, String path, List<Violation> out) {
        if (metric == null) {
            out.add(new Violation(path, "Required value: must not be null"));
            return;
        }
        if (metric.type() == null) {
            out.add(new Violation(path + ".type", "Required value: must specify a metric source type"
                    + " (Resource, ContainerResource, Pods, Object or External)"));
            return;
        }
        int populated = (metric.resource() != null ? 1 : 0) + (metric.containerResource() != null ? 1 : 0)
                + (metric.pods() != null ? 1 : 0) + (metric.object() != null ? 1 : 0) + (metric.external() != null ? 1 : 0);
        String block = switch (metric.type()) {
            case RESOURCE -> "resource";
            case CONTAINER_RESOURCE -> "containerResource";
            case PODS -> "pods";
            case OBJECT -> "object";
            case EXTERNAL -> "external";
        };
        Object source = switch (metric.type()) {
            case RESOURCE -> metric.resource();
            case CONTAINER_RESOURCE -> metric.containerResource();
            case PODS -> metric.pods();
            case OBJECT -> metric.object();
            case EXTERNAL -> metric.external();
        };
        if (source == null) {
            out.add(new Violation(path + "." + block, "Required value: must populate information for the given metric source"));
            return;
        }
        if (populated > 1) {
            out.add(new Violation(path + ".type", "Invalid value: \"" + metric.type().wire()
                    + "\": must populate the given metric source only"));
        }
        String p = path + "." + block;
        switch (metric.type()) {
            case RESOURCE -> {
                requireName(metric.resource().name(), p + ".name", out);
                validateResourceTarget(metric.resource().target(), p + ".target", out);
            }
            case CONTAINER_RESOURCE -> {
                requireName(metric.containerResource().name(), p + ".name", out);
                requireName(metric.containerResource().container(), p + ".container", out);
                validateResourceTarget(metric.containerResource().target(), p + ".target", out);
            }
            case PODS -> {
                validateIdentifier(metric.pods().metric(), p + ".metric", out);
                MetricTarget t = metric.pods().target();
                if (validateTarget(t, p + ".target", out) && (t.type() != MetricTargetType.AVERAGE_VALUE || t.averageValue() == null)) {
                    out.add(new Violation(p + ".target.averageValue", "Required value: must specify a positive target averageValue"
                            + " (Pods metrics take type AverageValue)"));
                }
            }
            case OBJECT -> {
                validateTargetRef(metric.object().describedObject(), p + ".describedObject", out);
                validateIdentifier(metric.object().metric(), p + ".metric", out);
                validateValueOrAverage(metric.object().target(), p + ".target", out);
            }
            case EXTERNAL -> {
                validateIdentifier(metric.external().metric(), p + ".metric", out);
                validateValueOrAverage(metric.external().target(), p + ".target", out);
            }
        }
    }

    private static void validateResourceTarget(MetricTarget t, String path, List<Violation> out) {
        if (!validateTarget(t, path, out)) {
            return;
        }
        if (t.type() == MetricTargetType.UTILIZATION && t.averageUtilization() == null) {
            out.add(new Violation(path + ".averageUtilization", "Required value: type Utilization needs averageUtilization"));
        } else if (t.type() == MetricTargetType.AVERAGE_VALUE && t.averageValue() == null) {
            out.add(new Violation(path + ".averageValue", "Required value: type AverageValue needs averageValue"));
        } else if (t.type() == MetricTargetType.VALUE) {
            out.add(new Violation(path + ".type", "Invalid value: \"Value\": must set either a target raw value"
                    + " (AverageValue) or a target utilization (Utilization)"));
        }
        if (t.averageUtilization() != null && t.averageValue() != null) {
            out.add(new Violation(path, "Forbidden: may not set both a target raw value and a target utilization"));
        }
    }

    private static void validateValueOrAverage(MetricTarget t, String path, List<Violation> out) {
        if (!validateTarget(t, path, out)) {
            return;
        }
        if (t.type() == MetricTargetType.VALUE && t.value() == null) {
            out.add(new Violation(path + ".value", "Required value: type Value needs value"));
        } else if (t.type() == MetricTargetType.AVERAGE_VALUE && t.averageValue() == null) {
            out.add(new Violation(path + ".averageValue", "Required value: type AverageValue needs averageValue"));
        } else if (t.type() == MetricTargetType.UTILIZATION) {
            out.add(new Violation(path + ".type", "Invalid value: \"Utilization\": must set either a target value or average value"));
        }
    }

    /** The generic validateMetricTarget checks; returns whether the target is there at all. */
    private static boolean validateTarget(MetricTarget t, String path, List<Violation> out) {
        if (t == null) {
            out.add(new Violation(path, "Required value: must specify a metric target"));
            return false;
        }
        if (t.type() == null) {
            out.add(new Violation(path + ".type", "Required value: must specify a metric target type"
                    + " (Utilization, Value or AverageValue)"));
            return false;
        }
        if (t.value() != null && t.value().milli() <= 0) {
            out.add(new Violation(path + ".value", "Invalid value: \"" + t.value() + "\": must be positive"));
        }
        if (t.averageValue() != null && t.averageValue().milli() <= 0) {
            out.add(new Violation(path + ".averageValue", "Invalid value: \"" + t.averageValue() + "\": must be positive"));
        }
        if (t.averageUtilization() != null && t.averageUtilization() < 1) {
            out.add(new Violation(path + ".averageUtilization", "Invalid value: " + t.averageUtilization()
                    + ": must be greater than 0"));
        }
        return true;
    }

    private static void validateIdentifier(MetricIdentifier id, String path, List<Violation> out) {
        if (id == null) {
            out.add(new Violation(path, "Required value: must specify the metric (name, optional selector)"));
            return;
        }
        requireName(id.name(), path + ".name", out);
    }

    private static void requireName(String name, String path, List<Violation> out) {
        if (blank(name)) {
            out.add(new Violation(path, "Required value: must specify a name"));
        }
    }

    private static void validateRules(HPAScalingRules rules, String path, List<Violation> out) {
        if (rules == null) {
            return;
        }
        Integer window = rules.stabilizationWindowSeconds();
        if (window != null && window < 0) {
            out.add(new Violation(path + ".stabilizationWindowSeconds", "Invalid value: " + window
                    + ": must be greater than or equal to zero"));
        } else if (window != null && window > MAX_STABILIZATION_SECONDS) {
            out.add(new Violation(path + ".stabilizationWindowSeconds", "Invalid value: " + window
                    + ": must be less than or equal to " + MAX_STABILIZATION_SECONDS));
        }
        if (rules.policies() != null) {
            if (rules.policies().isEmpty()) {
                out.add(new Violation(path + ".policies", "Required value: must specify at least one Policy"));
            }
            for (int i = 0; i < rules.policies().size(); i++) {
                validatePolicy(rules.policies().get(i), path + ".policies[" + i + "]", out);
            }
        }
        if (rules.tolerance() != null && rules.tolerance().milli() < 0) {
            out.add(new Violation(path + ".tolerance", "Invalid value: \"" + rules.tolerance()
                    + "\": must be greater than or equal to 0"));
        }
    }

    private static void validatePolicy(HPAScalingPolicy policy, String path, List<Violation> out) {
        if (policy == null) {
            out.add(new Violation(path, "Required value: must not be null"));
            return;
        }
        if (policy.type() == null) {
            out.add(new Violation(path + ".type", "Required value: must be Pods or Percent"));
        }
        if (policy.value() == null || policy.value() <= 0) {
            out.add(new Violation(path + ".value", "Invalid value: " + policy.value() + ": must be greater than zero"));
        }
        Integer period = policy.periodSeconds();
        if (period == null || period <= 0) {
            out.add(new Violation(path + ".periodSeconds", "Invalid value: " + period + ": must be greater than zero"));
        } else if (period > MAX_PERIOD_SECONDS) {
            out.add(new Violation(path + ".periodSeconds", "Invalid value: " + period
                    + ": must be less than or equal to " + MAX_PERIOD_SECONDS));
        }
    }

    private static void validateBallast(BallastSpec b, String path, ScalingPolicySpec spec, Set<String> metricNames,
                                        Set<String> sourcedNames, List<Violation> out) {
        if (b.pollingIntervalSeconds() != null && b.pollingIntervalSeconds() < 1) {
            out.add(new Violation(path + ".pollingIntervalSeconds", "Invalid value: " + b.pollingIntervalSeconds()
                    + ": must be at least 1"));
        }
        if (b.sources() != null) {
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < b.sources().size(); i++) {
                validateSource(b.sources().get(i), path + ".sources[" + i + "]", sourcedNames, seen, out);
            }
        }
        Activation activation = b.activation();
        if (activation != null) {
            String p = path + ".activation";
            if (spec.minReplicas() == null || spec.minReplicas() != 0) {
                out.add(new Violation(p, "Forbidden: activation applies only with spec.minReplicas: 0"));
            }
            nonNegative(activation.cooldownSeconds(), p + ".cooldownSeconds", out);
            nonNegative(activation.initialCooldownSeconds(), p + ".initialCooldownSeconds", out);
            if (activation.thresholds() != null) {
                for (Map.Entry<String, Quantity> e : activation.thresholds().entrySet()) {
                    if (!sourcedNames.contains(e.getKey()) || !isObjectOrExternal(spec, e.getKey())) {
                        out.add(new Violation(p + ".thresholds." + e.getKey(), "Invalid value: must name an Object or"
                                + " External metric of spec.metrics (only those are readable at zero replicas)"));
                    }
                    if (e.getValue() == null || e.getValue().milli() < 0) {
                        out.add(new Violation(p + ".thresholds." + e.getKey(), "Invalid value: must be a quantity >= 0"));
                    }
                }
            }
        }
        if (b.fallback() != null) {
            String p = path + ".fallback";
            if (b.fallback().failureThreshold() == null || b.fallback().failureThreshold() < 1) {
                out.add(new Violation(p + ".failureThreshold", "Invalid value: " + b.fallback().failureThreshold()
                        + ": must be at least 1"));
            }
            Integer replicas = b.fallback().replicas();
            if (replicas == null || replicas < 0) {
                out.add(new Violation(p + ".replicas", "Invalid value: " + replicas + ": must be 0 or more"));
            } else if (spec.maxReplicas() != null && replicas > spec.maxReplicas()) {
                out.add(new Violation(p + ".replicas", "Invalid value: " + replicas
                        + ": must not exceed spec.maxReplicas (" + spec.maxReplicas() + ")"));
            }
        }
        if (b.predictive() != null) {
            String p = path + ".predictive";
            positive(b.predictive().horizonSeconds(), p + ".horizonSeconds", out);
            positive(b.predictive().seasonSeconds(), p + ".seasonSeconds", out);
            unitInterval(b.predictive().alpha(), p + ".alpha", out);
            unitInterval(b.predictive().beta(), p + ".beta", out);
            unitInterval(b.predictive().gamma(), p + ".gamma", out);
        }
        if (b.burst() != null) {
            String p = path + ".burst";
            positive(b.burst().windowSeconds(), p + ".windowSeconds", out);
            positive(b.burst().stableWindowSeconds(), p + ".stableWindowSeconds", out);
            if (b.burst().thresholdPercent() != null && b.burst().thresholdPercent() <= 100) {
                out.add(new Violation(p + ".thresholdPercent", "Invalid value: " + b.burst().thresholdPercent()
                        + ": must be above 100 (a burst asks for more than the ready pods)"));
            }
        }
        if (b.budgetGroup() != null && !DNS_LABEL.matcher(b.budgetGroup()).matches()) {
            out.add(new Violation(path + ".budgetGroup", "Invalid value: \"" + b.budgetGroup()
                    + "\": must be a DNS label (lower-case letters, digits and '-', at most 63)"));
        }
        if (b.priority() != null && b.budgetGroup() == null) {
            out.add(new Violation(path + ".priority", "Forbidden: priority only ranks policies inside a budgetGroup"));
        }
        if (b.override() != null) {
            String p = path + ".override";
            if (b.override().replicas() == null || b.override().replicas() < 0) {
                out.add(new Violation(p + ".replicas", "Invalid value: " + b.override().replicas() + ": must be 0 or more"));
            }
            if (blank(b.override().reason())) {
                out.add(new Violation(p + ".reason", "Required value: say why the target is pinned"));
            }
            if (b.override().expiresAt() == null) {
                out.add(new Violation(p + ".expiresAt", "Required value: an override must expire (RFC 3339 time)"));
            }
        }
    }

    private static boolean isObjectOrExternal(ScalingPolicySpec spec, String name) {
        return spec.metrics() != null && spec.metrics().stream().anyMatch(m -> m != null
                && (m.type() == MetricSourceType.OBJECT || m.type() == MetricSourceType.EXTERNAL)
                && name.equals(m.displayName()));
    }

    private static void validateSource(BallastSpec.MetricValueSource source, String path, Set<String> sourcedNames,
                                       Set<String> seen, List<Violation> out) {
        if (source == null) {
            out.add(new Violation(path, "Required value: must not be null"));
            return;
        }
        if (blank(source.metric())) {
            out.add(new Violation(path + ".metric", "Required value: must name a Pods, Object or External metric"));
        } else if (!sourcedNames.contains(source.metric())) {
            out.add(new Violation(path + ".metric", "Invalid value: \"" + source.metric()
                    + "\": no Pods, Object or External metric of spec.metrics has this name"));
        } else if (!seen.add(source.metric())) {
            out.add(new Violation(path + ".metric", "Duplicate value: \"" + source.metric() + "\""));
        }
        if ((source.prometheus() == null) == (source.redisQueue() == null)) {
            out.add(new Violation(path, "Invalid value: must set exactly one of prometheus and redisQueue"));
        }
        if (source.prometheus() != null && blank(source.prometheus().query())) {
            out.add(new Violation(path + ".prometheus.query", "Required value: a PromQL query returning one sample"));
        }
        if (source.redisQueue() != null) {
            if (source.redisQueue().layout() == null) {
                out.add(new Violation(path + ".redisQueue.layout", "Required value: one of celery, rq, bullmq, sidekiq, list"));
            } else {
                try {
                    source.redisQueue().system();
                } catch (IllegalArgumentException e) {
                    out.add(new Violation(path + ".redisQueue.layout", "Unsupported value: " + e.getMessage()));
                }
            }
            if (blank(source.redisQueue().queue())) {
                out.add(new Violation(path + ".redisQueue.queue", "Required value: the queue name"));
            }
            if (source.redisQueue().database() != null && source.redisQueue().database() < 0) {
                out.add(new Violation(path + ".redisQueue.database", "Invalid value: must be 0 or more"));
            }
        }
    }

    private static void nonNegative(Integer v, String path, List<Violation> out) {
        if (v != null && v < 0) {
            out.add(new Violation(path, "Invalid value: " + v + ": must be greater than or equal to 0"));
        }
    }

    private static void positive(Integer v, String path, List<Violation> out) {
        if (v != null && v < 1) {
            out.add(new Violation(path, "Invalid value: " + v + ": must be greater than 0"));
        }
    }

    private static void unitInterval(Double v, String path, List<Violation> out) {
        if (v != null && !(v >= 0.0 && v <= 1.0)) {
            out.add(new Violation(path, "Invalid value: " + v + ": must be between 0 and 1"));
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
