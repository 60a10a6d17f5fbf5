package dev.ballast.autoscaler.source;

import java.util.List;
import java.util.Map;

/**
 * What a source answered: one value in milli-units, or one value per pod, or a series (range query, plain units),
 * or the resource usage of each pod.
 * Missing data is never a value: sources throw {@link MissingDataException} instead.
 */
public record SourceValue(long milli, Map<String, Long> perPodMilli, List<Double> series, Map<String, PodUsage> podUsage) {

    public SourceValue {
        perPodMilli = perPodMilli == null ? Map.of() : Map.copyOf(perPodMilli);
        series = series == null ? List.of() : List.copyOf(series);
        podUsage = podUsage == null ? Map.of() : Map.copyOf(podUsage);
    }

    public SourceValue(long milli, Map<String, Long> perPodMilli, List<Double> series) {
        this(milli, perPodMilli, series, null);
    }

    /** Resource usage by pod name (metrics.k8s.io). */
    public static SourceValue podUsage(Map<String, PodUsage> usage) {
        return new SourceValue(0, null, null, usage);
    }

    public static SourceValue single(long milli) {
        return new SourceValue(milli, null, null);
    }

    public static SourceValue perPod(Map<String, Long> milli) {
        return new SourceValue(0, milli, null);
    }

    public static SourceValue series(List<Double> values) {
        return new SourceValue(0, null, values);
    }

    /**
     * A plain value as a milli-quantity, truncated as KEDA's GenerateMetricInMili does
     * ({@code resource.NewMilliQuantity(int64(value*1000), DecimalSI)}).
     */
    public static long toMilli(double value) {
        return (long) (value * 1000);
    }
}
