package dev.ballast.autoscaler.policy;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.ballast.taskqueues.QueueSystem;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code spec.ballast}: everything a plain HPA spec cannot say. Kept in one block so that the rest of the spec
 * stays a valid autoscaling/v2 HorizontalPodAutoscalerSpec.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BallastSpec(
        List<MetricValueSource> sources,
        Integer pollingIntervalSeconds,
        Activation activation,
        Fallback fallback,
        Predictive predictive,
        Burst burst,
        Integer priority,
        String budgetGroup,
        Override override) {

    /** The HPA's own sync period; KEDA's default is 30 s but Ballast replaces the HPA loop, so it keeps its pace. */
    public static final int DEFAULT_POLLING_INTERVAL_SECONDS = 15;

    static final BallastSpec NONE = new BallastSpec(null, null, null, null, null, null, null, null, null);

    BallastSpec withDefaults() {
        return new BallastSpec(
                sources == null ? List.of() : sources,
                pollingIntervalSeconds == null ? DEFAULT_POLLING_INTERVAL_SECONDS : pollingIntervalSeconds,
                activation == null ? null : activation.withDefaults(),
                fallback,
                predictive == null ? Predictive.OFF : predictive.withDefaults(),
                burst == null ? null : burst.withDefaults(),
                // a priority only means something inside a budget group; defaulting it elsewhere would make the
                // defaulted spec fail its own validation
                priority == null && budgetGroup != null ? Integer.valueOf(0) : priority,
                budgetGroup,
                override);
    }

    /**
     * Where the value of a Pods, Object or External metric comes from (the declaration only; the runtime reads it).
     * Exactly one of {@code prometheus} and {@code redisQueue}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MetricValueSource(String metric, PrometheusQuery prometheus, RedisQueue redisQueue) {
    }

    /**
     * A PromQL query that must return one sample (scalar or single-element vector). An empty result is an error,
     * never zero load (the opposite of KEDA's ignoreNullValues default, see keda#3065).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PrometheusQuery(String serverAddress, String query) {
    }

    /**
     * The depth of a task queue kept in Redis. {@code layout} names a system of the task-queues module
     * (celery, rq, bullmq, sidekiq, list), which holds the one copy of how each lays its keys out;
     * {@code prefix} is Celery's global_keyprefix, BullMQ's prefix or Sidekiq's namespace.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RedisQueue(String layout, String queue, String prefix, Integer database, Boolean includeInFlight) {

        /** The task-queues system; throws IllegalArgumentException naming the accepted values. */
        @JsonIgnore
        public QueueSystem system() {
            return QueueSystem.parse(layout);
        }
    }

    /**
     * KEDA activation: with {@code minReplicas: 0} the target wakes to max(minReplicas, 1) when any threshold is
     * strictly exceeded and returns to zero after {@code cooldownSeconds} without activity. Metrics with no
     * threshold listed activate above 0 (KEDA's default activation value).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Activation(Map<String, Quantity> thresholds, Integer cooldownSeconds, Integer initialCooldownSeconds) {

        /** KEDA cooldownPeriod default. */
        public static final int DEFAULT_COOLDOWN_SECONDS = 300;

        Activation withDefaults() {
            return new Activation(thresholds == null ? Map.of() : thresholds,
                    cooldownSeconds == null ? DEFAULT_COOLDOWN_SECONDS : cooldownSeconds,
                    initialCooldownSeconds == null ? 0 : initialCooldownSeconds);
        }
    }

    /** After {@code failureThreshold} consecutive failed evaluations, hold the target at {@code replicas}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Fallback(Integer failureThreshold, Integer replicas) {
    }

    /** Predictive scaling in the manner of AWS predictive scaling: forecast each metric {@code horizonSeconds} ahead. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Predictive(PredictiveMode mode, ForecastMethod method, Integer horizonSeconds, Integer seasonSeconds,
                             Double alpha, Double beta, Double gamma) {

        public static final int DEFAULT_HORIZON_SECONDS = 600;
        public static final int DEFAULT_SEASON_SECONDS = 86_400;
        static final Predictive OFF = new Predictive(PredictiveMode.OFF, ForecastMethod.HOLT_WINTERS,
                DEFAULT_HORIZON_SECONDS, DEFAULT_SEASON_SECONDS, 0.5, 0.05, 0.5);

        Predictive withDefaults() {
            return new Predictive(mode == null ? PredictiveMode.OFF : mode,
                    method == null ? ForecastMethod.HOLT_WINTERS : method,
                    horizonSeconds == null ? DEFAULT_HORIZON_SECONDS : horizonSeconds,
                    seasonSeconds == null ? DEFAULT_SEASON_SECONDS : seasonSeconds,
                    alpha == null ? OFF.alpha : alpha,
                    beta == null ? OFF.beta : beta,
                    gamma == null ? OFF.gamma : gamma);
        }
    }

    public enum PredictiveMode {
        @JsonProperty("off") OFF,
        @JsonProperty("forecast-only") FORECAST_ONLY,
        @JsonProperty("forecast-and-scale") FORECAST_AND_SCALE
    }

    public enum ForecastMethod {
        @JsonProperty("holt-winters") HOLT_WINTERS,
        @JsonProperty("linear") LINEAR
    }

    /**
     * Knative's panic mode: when the short-window value asks for at least {@code thresholdPercent}% of the ready
     * pods, scale up at once and hold (no scale-down) until {@code stableWindowSeconds} pass without a burst.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Burst(Integer windowSeconds, Integer thresholdPercent, Integer stableWindowSeconds) {

        Burst withDefaults() {
            return new Burst(windowSeconds == null ? 6 : windowSeconds,
                    thresholdPercent == null ? 200 : thresholdPercent,
                    stableWindowSeconds == null ? 60 : stableWindowSeconds);
        }
    }

    /** A manual pin written in the spec; the API's overrides have the same shape. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Override(Integer replicas, String reason, Instant expiresAt) {
    }
}
