package dev.ballast.autoscaler.policy;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/** meta/v1 LabelSelector as used by MetricIdentifier. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LabelSelector(Map<String, String> matchLabels, List<Requirement> matchExpressions) {

    /** meta/v1 LabelSelectorRequirement: operator In, NotIn, Exists or DoesNotExist. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Requirement(String key, String operator, List<String> values) {
    }
}
