package dev.ballast.autoscaler.policy;

import com.fasterxml.jackson.annotation.JsonInclude;

/** autoscaling/v2 CrossVersionObjectReference: the scaled target, or the object an Object metric describes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CrossVersionObjectReference(String apiVersion, String kind, String name) {
}
