package dev.ballast.autoscaler.engine;

import java.util.List;
import java.util.Map;

/**
 * What the runtime saw this cycle: the scale subresource, the pods, the metric values.
 *
 * @param specReplicas        scale.spec.replicas (the HPA's currentReplicas)
 * @param statusReplicas      scale.status.replicas (used by AverageValue Object/External targets)
 * @param values              Object and External metric values (or errors) by metric name
 * @param metricErrors        failures reading Resource or Pods metrics, by metric name (e.g. metrics API down)
 * @param recommendedReplicas when set, metrics are not evaluated and this is the metric recommendation
 * @param burstValues         short-window (panic window) values of Object/External metrics, for burst protection
 * @param unlistedSamples     by Resource/Pods metric name, samples the metrics API returned for pods that are not in
 *                            {@code pods} (the HPA averages them into Pods metrics and counts them in len(metrics))
 */
public record Observation(
        int specReplicas,
        int statusReplicas,
        List<PodState> pods,
        Map<String, MetricReading> values,
        Map<String, String> metricErrors,
        Integer recommendedReplicas,
        Map<String, MetricReading> burstValues,
        Map<String, long[]> unlistedSamples) {

    public Observation {
        pods = pods == null ? List.of() : pods;
        values = values == null ? Map.of() : values;
        metricErrors = metricErrors == null ? Map.of() : metricErrors;
        burstValues = burstValues == null ? Map.of() : burstValues;
        unlistedSamples = unlistedSamples == null ? Map.of() : unlistedSamples;
    }

    public Observation(int specReplicas, int statusReplicas, List<PodState> pods, Map<String, MetricReading> values,
                       Map<String, String> metricErrors, Integer recommendedReplicas,
                       Map<String, MetricReading> burstValues) {
        this(specReplicas, statusReplicas, pods, values, metricErrors, recommendedReplicas, burstValues, Map.of());
    }

    public static Observation of(int replicas, List<PodState> pods, Map<String, MetricReading> values) {
        return new Observation(replicas, replicas, pods, values, Map.of(), null, Map.of(), Map.of());
    }
}
