package dev.ballast.autoscaler.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ballast.autoscaler.policy.PolicyValidator;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;

/** Reads test specs from JSON (the form users write), validated and defaulted as the runtime will. */
final class Specs {

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

    private Specs() {
    }

    static ScalingPolicySpec parse(String json) {
        try {
            return PolicyValidator.validateAndDefault(JSON.readValue(json, ScalingPolicySpec.class), "spec");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A spec with target Deployment/app, the given replica bounds, metrics and extra top-level fields. */
    static ScalingPolicySpec spec(int min, int max, String metrics, String extra) {
        return parse("""
                {"scaleTargetRef": {"kind": "Deployment", "name": "app"}, "minReplicas": %d, "maxReplicas": %d,
                 "metrics": [%s]%s}""".formatted(min, max, metrics, extra.isBlank() ? "" : ", " + extra));
    }

    static String cpu(int percent) {
        return """
                {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": %d}}}"""
                .formatted(percent);
    }

    static String external(String name, String averageValue) {
        return """
                {"type": "External", "external": {"metric": {"name": "%s"}, "target": {"type": "AverageValue", "averageValue": "%s"}}}"""
                .formatted(name, averageValue);
    }

    static String pods(String name, String averageValue) {
        return """
                {"type": "Pods", "pods": {"metric": {"name": "%s"}, "target": {"type": "AverageValue", "averageValue": "%s"}}}"""
                .formatted(name, averageValue);
    }
}
