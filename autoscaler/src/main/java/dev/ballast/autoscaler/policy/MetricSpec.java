package dev.ballast.autoscaler.policy;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * autoscaling/v2 MetricSpec: {@code type} names which one of the source blocks is set.
 * The nested records are the autoscaling/v2 *MetricSource types with their exact fields.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MetricSpec(
        MetricSourceType type,
        ResourceMetricSource resource,
        ContainerResourceMetricSource containerResource,
        PodsMetricSource pods,
        ObjectMetricSource object,
        ExternalMetricSource external) {

    public static MetricSpec resource(String name, MetricTarget target) {
        return new MetricSpec(MetricSourceType.RESOURCE, new ResourceMetricSource(name, target), null, null, null, null);
    }

    public static MetricSpec pods(String name, MetricTarget target) {
        return new MetricSpec(MetricSourceType.PODS, null, null,
                new PodsMetricSource(new MetricIdentifier(name, null), target), null, null);
    }

    public static MetricSpec object(CrossVersionObjectReference described, String name, MetricTarget target) {
        return new MetricSpec(MetricSourceType.OBJECT, null, null, null,
                new ObjectMetricSource(described, new MetricIdentifier(name, null), target), null);
    }

    public static MetricSpec external(String name, MetricTarget target) {
        return new MetricSpec(MetricSourceType.EXTERNAL, null, null, null, null,
                new ExternalMetricSource(new MetricIdentifier(name, null), target));
    }

    /** The name the status and the simulate API report: the resource name for (Container)Resource, else metric.name. */
    @JsonIgnore
    public String displayName() {
        if (type == null) {
            return null;
        }
        return switch (type) {
            case RESOURCE -> resource == null ? null : resource.name();
            case CONTAINER_RESOURCE -> containerResource == null ? null : containerResource.name();
            case PODS -> pods == null || pods.metric() == null ? null : pods.metric().name();
            case OBJECT -> object == null || object.metric() == null ? null : object.metric().name();
            case EXTERNAL -> external == null || external.metric() == null ? null : external.metric().name();
        };
    }

    /** The target of whichever source block {@code type} selects. */
    @JsonIgnore
    public MetricTarget target() {
        if (type == null) {
            return null;
        }
        return switch (type) {
            case RESOURCE -> resource == null ? null : resource.target();
            case CONTAINER_RESOURCE -> containerResource == null ? null : containerResource.target();
            case PODS -> pods == null ? null : pods.target();
            case OBJECT -> object == null ? null : object.target();
            case EXTERNAL -> external == null ? null : external.target();
        };
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ResourceMetricSource(String name, MetricTarget target) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ContainerResourceMetricSource(String name, String container, MetricTarget target) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PodsMetricSource(MetricIdentifier metric, MetricTarget target) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ObjectMetricSource(CrossVersionObjectReference describedObject, MetricIdentifier metric, MetricTarget target) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ExternalMetricSource(MetricIdentifier metric, MetricTarget target) {
    }
}
