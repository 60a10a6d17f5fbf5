package dev.ballast.autoscaler.policy;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A {@code ScalingPolicy} resource ({@code ballast.dev/v1alpha1}): Kubernetes metadata plus a spec that mirrors
 * autoscaling/v2 HorizontalPodAutoscalerSpec with Ballast's extensions under {@code spec.ballast}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScalingPolicy(String apiVersion, String kind, Metadata metadata, ScalingPolicySpec spec) {

    public static final String API_VERSION = "ballast.dev/v1alpha1";
    public static final String KIND = "ScalingPolicy";

    /** The part of ObjectMeta the autoscaler needs to key its state. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Metadata(String namespace, String name) {
    }
}
