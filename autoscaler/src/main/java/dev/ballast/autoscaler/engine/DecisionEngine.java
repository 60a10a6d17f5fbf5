package dev.ballast.autoscaler.engine;

import dev.ballast.autoscaler.engine.ReplicaCalculator.Sample;
import dev.ballast.autoscaler.engine.ScalingHistory.MetricSeries;
import dev.ballast.autoscaler.engine.ScalingHistory.Recommendation;
import dev.ballast.autoscaler.engine.ScalingHistory.ScaleEvent;
import dev.ballast.autoscaler.policy.BallastSpec;
import dev.ballast.autoscaler.policy.BallastSpec.PredictiveMode;
import dev.ballast.autoscaler.policy.HPAScalingRules;
import dev.ballast.autoscaler.policy.HorizontalPodAutoscalerBehavior;
import dev.ballast.autoscaler.policy.MetricSourceType;
import dev.ballast.autoscaler.policy.MetricSpec;
import dev.ballast.autoscaler.policy.MetricTarget;
import dev.ballast.autoscaler.policy.MetricTargetType;
import dev.ballast.autoscaler.policy.Quantity;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pure decision: policy + observation + history + now in, {@link Decision} out. Follows reconcileAutoscaler and
 * computeReplicasForMetrics of Kubernetes horizontal.go, then applies Ballast's extensions: manual override,
 * KEDA activation (scale to and from zero), fallback after repeated metric failures, Knative-style burst
 * protection, predictive floor (AWS ForecastAndScale semantics) and a budget cap.
 */
public final class DecisionEngine {

    private static final long[] NO_SAMPLES = new long[0];

    private final EngineSettings settings;
    private final ReplicaCalculator calculator;

    public DecisionEngine(EngineSettings settings) {
        this.settings = settings;
        this.calculator = new ReplicaCalculator(settings);
    }

    public DecisionEngine() {
        this(EngineSettings.HPA_DEFAULTS);
    }

    public Decision decide(DecisionInput in) {
        if (in.spec().ballast() == null || in.spec().metrics() == null || in.spec().minReplicas() == null) {
            // a spec that skipped defaulting: apply the API defaults rather than fail on a null
            in = new DecisionInput(in.spec().withDefaults(), in.observed(), in.history(), in.now(), in.override(), in.budgetCap());
        }
        ScalingPolicySpec spec = in.spec();
        Observation obs = in.observed();
        ScalingHistory history = in.history();
        Instant now = in.now();
        BallastSpec ballast = spec.ballast();
        int current = obs.specReplicas();
        int min = spec.effectiveMinReplicas();
        int max = spec.maxReplicas();
        List<Condition> conditions = new ArrayList<>(6);
        Instant firstSeen = history.firstSeen() == null ? now : history.firstSeen();
        // recordInitialRecommendation: a policy never seen before seeds the window with the current size
        List<Recommendation> recommendations = history.firstSeen() == null && history.recommendations().isEmpty()
                ? List.of(new Recommendation(current, now)) : history.recommendations();
        ScalingHistory seeded = history.withRecommendations(recommendations)
                .withActivity(history.lastActiveTime(), history.consecutiveFailures(), history.burstUntil(), firstSeen);

        conditions.add(Condition.of(Condition.ABLE_TO_SCALE, true, "SucceededGetScale",
                "the HPA controller was able to get the target's current scale"));

        BallastSpec.Override override = activeOverride(in, ballast, now);
        if (override != null) {
            Evaluation eval = evaluate(spec, obs, seeded, now, current, false);
            conditions.add(Condition.of(Condition.OVERRIDE, true, "ManualOverride", "pinned to " + override.replicas()
                    + " replicas until " + override.expiresAt() + ": " + override.reason()));
            // an override pins the target: the budget does not trim it
            return finish(in.withBudgetCap(null), current, override.replicas(), "manual override: " + override.reason(), eval.statuses,
                    conditions, null, seeded.withActivity(seeded.lastActiveTime(), eval.failureCount(seeded),
                            seeded.burstUntil(), firstSeen));
        }

        if (current == 0 && min != 0) {
            conditions.add(Condition.of(Condition.SCALING_ACTIVE, false, "ScalingDisabled",
                    "scaling is disabled since the replica count of the target is zero"));
            return new Decision(now, current, 0, false, "scaling disabled", List.of(), conditions, null, seeded);
        }
        if (current == 0 && ballast.activation() != null) {
            return decideFromZero(in, seeded, conditions);
        }
        // without activation, minReplicas 0 is the HPA's HPAScaleToZero path: the metrics decide from zero too
        if (current > max) {
            return finish(in, current, max, "Current number of replicas above Spec.MaxReplicas", List.of(), conditions,
                    null, seeded);
        }
        if (current < min) {
            return finish(in, current, min, "Current number of replicas below Spec.MinReplicas", List.of(), conditions,
                    null, seeded);
        }

        // computeReplicasForMetrics (or the what-if's given recommendation)
        Evaluation eval = obs.recommendedReplicas() != null
                ? Evaluation.given(obs.recommendedReplicas())
                : evaluate(spec, obs, seeded, now, current, true);
        int failures = eval.failureCount(seeded);
        List<Condition> extras = new ArrayList<>(4);
        boolean fallbackActive = false;
        int metricDesired = eval.replicas;
        String metricName = eval.metricName;
        if (eval.invalid > 0 && ballast.fallback() != null && failures >= ballast.fallback().failureThreshold()) {
            // KEDA fallback: each failed metric proposes the fallback replicas instead of blocking; never read as zero
            fallbackActive = true;
            int fallback = ballast.fallback().replicas();
            if (eval.valid == 0 || fallback > metricDesired) {
                metricDesired = fallback;
                metricName = "fallback";
            }
            extras.add(Condition.of(Condition.FALLBACK, true, "MetricFailuresExceeded", eval.invalid
                    + " metric(s) failing for " + failures + " consecutive cycles; failed metrics propose the fallback "
                    + fallback + " replicas"));
        } else if (eval.invalid > 0 && (eval.valid == 0 || metricDesired < current)) {
            // all metrics failed, or some failed and the rest would scale down: no change, nothing recorded
            conditions.add(eval.firstFailure);
            ScalingHistory next = seeded.withActivity(seeded.lastActiveTime(), failures, seeded.burstUntil(), firstSeen);
            return new Decision(now, current, current, false, "failed to compute desired number of replicas: "
                    + eval.firstFailure.message(), eval.statuses, conditions, null, next);
        }
        if (!fallbackActive) {
            // a partial failure that still scales up proceeds with ValidMetricFound, as computeReplicasForMetrics does
            conditions.add(Condition.of(Condition.SCALING_ACTIVE, true,
                    "ValidMetricFound", "the HPA was able to successfully calculate a replica count from " + metricName));
        } else {
            conditions.add(Condition.of(Condition.SCALING_ACTIVE, true, "ValidMetricFound",
                    "the HPA was able to calculate a replica count with fallback for the failed metrics"));
        }

        // Predictive floor: forecast-and-scale raises the recommendation, never lowers it
        Decision.Forecast forecast = forecast(spec, obs, seeded, current, metricDesired);
        if (forecast != null) {
            if (forecast.applied() && forecast.replicas() > metricDesired) {
                metricDesired = forecast.replicas();
                metricName = "forecast";
                extras.add(Condition.of(Condition.PREDICTIVE, true, "ForecastRaisedFloor", "the forecast peak within "
                        + forecast.horizonSeconds() + "s needs " + forecast.replicas() + " replicas"));
            } else {
                extras.add(Condition.of(Condition.PREDICTIVE, false, forecast.applied() ? "ForecastBelowReactive" : "ForecastOnly",
                        "the forecast peak within " + forecast.horizonSeconds() + "s needs " + forecast.replicas() + " replicas"));
            }
        }

        // KEDA activation while running with minReplicas 0: drop to zero after the cooldown without activity
        Instant lastActive = seeded.lastActiveTime();
        int floor = min;
        if (min == 0 && ballast.activation() != null) {
            // KEDA gives its HPA max(minReplicaCount, 1); the drop to zero is activation's alone
            floor = 1;
            Activity activity = activity(spec, obs);
            if (activity.active) {
                lastActive = now;
            } else if (!activity.unknown && cooledDown(ballast.activation(), lastActive, firstSeen, now)) {
                extras.add(Condition.of(Condition.ACTIVATION, false, "ScaledToZero", "no activation metric above its"
                        + " threshold for the cooldown of " + ballast.activation().cooldownSeconds() + "s"));
                ScalingHistory next = seeded.withActivity(lastActive, failures, null, firstSeen);
                conditions.addAll(extras);
                return finish(in, current, 0, "no activity for the cooldown period", eval.statuses, conditions, forecast, next);
            } else if (!activity.unknown) {
                extras.add(Condition.of(Condition.ACTIVATION, false, "ScalerCooldown", "inactive; scaling to zero after"
                        + " the cooldown of " + ballast.activation().cooldownSeconds() + "s since the last activity"));
            }
        }

        String reason = "";
        if (metricDesired > current) {
            reason = metricName + " above target";
        } else if (metricDesired < current) {
            reason = "All metrics below target";
        }

        // normalizeDesiredReplicas(WithBehaviors)
        HorizontalPodAutoscalerBehavior behavior = spec.behavior();
        int desired;
        List<Recommendation> storedRecommendations;
        Condition ableToScale;
        Condition limited;
        if (behavior == null) {
            BehaviorNormalizer.Stabilized s = BehaviorNormalizer.stabilizeLegacy(metricDesired,
                    settings.downscaleStabilizationWindow(), recommendations, now);
            ableToScale = s.replicas() != metricDesired
                    ? Condition.of(Condition.ABLE_TO_SCALE, true, s.reason(), s.message())
                    : Condition.of(Condition.ABLE_TO_SCALE, true, "ReadyForNewScale", "recommended size matches current size");
            BehaviorNormalizer.Limited l = BehaviorNormalizer.convertWithRules(current, s.replicas(), floor, max);
            limited = Condition.of(Condition.SCALING_LIMITED, l.replicas() != s.replicas(), l.reason(), l.message());
            desired = l.replicas();
            storedRecommendations = s.recommendations();
        } else {
            HPAScalingRules up = behavior.scaleUp();
            HPAScalingRules down = behavior.scaleDown();
            BehaviorNormalizer.Stabilized s = BehaviorNormalizer.stabilizeWithBehaviors(current, metricDesired,
                    up.stabilizationWindowSeconds(), down.stabilizationWindowSeconds(), recommendations, now);
            ableToScale = s.replicas() != metricDesired
                    ? Condition.of(Condition.ABLE_TO_SCALE, true, s.reason(), s.message())
                    : Condition.of(Condition.ABLE_TO_SCALE, true, "ReadyForNewScale", "recommended size matches current size");
            BehaviorNormalizer.Limited l = BehaviorNormalizer.convertWithBehaviorRate(current, s.replicas(), floor, max,
                    up, down, seeded.scaleUpEvents(), seeded.scaleDownEvents(), now);
            limited = Condition.of(Condition.SCALING_LIMITED, l.replicas() != s.replicas(), l.reason(), l.message());
            desired = l.replicas();
            storedRecommendations = s.recommendations();
        }
        conditions.set(0, ableToScale);
        conditions.add(limited);

        // Burst protection (Knative panic mode): jump to the short-window demand, and hold while the burst lasts
        Instant burstUntil = seeded.burstUntil();
        if (ballast.burst() != null) {
            int panicDesired = burstDemand(spec, obs, current);
            int readyPods = Math.max(1, readyPods(obs.pods()));
            boolean bursting = panicDesired > 0
                    && (long) panicDesired * 100 >= (long) ballast.burst().thresholdPercent() * readyPods;
            if (bursting) {
                burstUntil = now.plusSeconds(ballast.burst().stableWindowSeconds());
            }
            if (bursting || (burstUntil != null && now.isBefore(burstUntil))) {
                int held = Math.max(desired, Math.max(current, Math.min(max, panicDesired)));
                extras.add(Condition.of(Condition.BURST, true, "PanicMode", "short-window demand " + panicDesired
                        + " replicas for " + readyPods + " ready; no scale-down until " + burstUntil));
                if (held > desired) {
                    reason = "burst above capacity";
                }
                desired = held;
            } else {
                burstUntil = null;
            }
        }

        conditions.addAll(extras);
        ScalingHistory next = seeded.withRecommendations(storedRecommendations)
                .withActivity(lastActive, failures, burstUntil, firstSeen);
        return finish(in, current, desired, reason, eval.statuses, conditions, forecast, next);
    }

    /** Applies the budget cap, records the scale event when the size changes, builds the decision. */
    private Decision finish(DecisionInput in, int current, int desired, String reason, List<MetricStatus> statuses,
                            List<Condition> conditions, Decision.Forecast forecast, ScalingHistory next) {
        ScalingPolicySpec spec = in.spec();
        if (in.budgetCap() != null && desired > in.budgetCap()) {
            int floor = Math.max(spec.effectiveMinReplicas(), 0);
            int capped = Math.max(floor, in.budgetCap());
            if (capped < desired) {
                conditions.add(Condition.of(Condition.BUDGET, true, "BudgetExceeded", "budget group "
                        + spec.ballast().budgetGroup() + " allows " + capped + " of the " + desired + " desired replicas"));
                desired = capped;
                reason = "trimmed to the budget of group " + spec.ballast().budgetGroup();
            }
        }
        boolean rescale = desired != current;
        if (rescale && !conditions.isEmpty() && conditions.get(0).type().equals(Condition.ABLE_TO_SCALE)) {
            // what the HPA reports after a successful update; the runtime replaces it with FailedUpdateScale on error
            conditions.set(0, Condition.of(Condition.ABLE_TO_SCALE, true, "SucceededRescale",
                    "the HPA controller was able to update the target scale to " + desired));
        }
        ScalingHistory history = next;
        if (rescale && spec.behavior() != null) {
            List<List<ScaleEvent>> events = BehaviorNormalizer.storeScaleEvent(spec.behavior().scaleUp(),
                    spec.behavior().scaleDown(), current, desired, next.scaleUpEvents(), next.scaleDownEvents(), in.now());
            history = next.withEvents(events.get(0), events.get(1));
        }
        return new Decision(in.now(), current, desired, rescale, reason, statuses, conditions, forecast, history);
    }

    /** KEDA activation phase at zero replicas: wake to max(minReplicas, 1) when any threshold is strictly exceeded. */
    private Decision decideFromZero(DecisionInput in, ScalingHistory seeded, List<Condition> conditions) {
        ScalingPolicySpec spec = in.spec();
        BallastSpec ballast = spec.ballast();
        Observation obs = in.observed();
        Instant now = in.now();
        Evaluation eval = evaluate(spec, obs, seeded, now, 0, false);
        Activity activity = activity(spec, obs);
        int failures = activity.unknown ? seeded.consecutiveFailures() + 1 : 0;
        if (activity.active) {
            conditions.add(Condition.of(Condition.SCALING_ACTIVE, true, "ValidMetricFound", "activation metric "
                    + activity.metric + " is above its threshold"));
            conditions.add(Condition.of(Condition.ACTIVATION, true, "ScaledFromZero", "activation metric " + activity.metric
                    + " is above its threshold; waking to " + Math.max(spec.effectiveMinReplicas(), 1)));
            return finish(in, 0, Math.max(spec.effectiveMinReplicas(), 1), activity.metric + " above activation threshold",
                    eval.statuses, conditions, null, seeded.withActivity(now, failures, null, seeded.firstSeen()));
        }
        if (activity.unknown && ballast.fallback() != null && failures >= ballast.fallback().failureThreshold()) {
            conditions.add(Condition.of(Condition.SCALING_ACTIVE, false, activity.failureReason, activity.error));
            conditions.add(Condition.of(Condition.FALLBACK, true, "MetricFailuresExceeded", "activation metrics failing for "
                    + failures + " consecutive cycles; holding the fallback " + ballast.fallback().replicas() + " replicas"));
            return finish(in, 0, ballast.fallback().replicas(), "fallback", eval.statuses, conditions, null,
                    seeded.withActivity(seeded.lastActiveTime(), failures, null, seeded.firstSeen()));
        }
        if (activity.unknown) {
            conditions.add(Condition.of(Condition.SCALING_ACTIVE, false, activity.failureReason, activity.error));
        } else {
            conditions.add(Condition.of(Condition.SCALING_ACTIVE, true, "ValidMetricFound", "activation metrics read"));
        }
        conditions.add(Condition.of(Condition.ACTIVATION, false, activity.unknown ? "ActivationUnknown" : "BelowActivationThreshold",
                activity.unknown ? "an activation metric failed: staying at zero, not reading the failure as load"
                        : "no activation metric is above its threshold"));
        return new Decision(now, 0, 0, false, "inactive", eval.statuses, conditions, null,
                seeded.withActivity(seeded.lastActiveTime(), failures, null, seeded.firstSeen()));
    }

    private static boolean cooledDown(BallastSpec.Activation activation, Instant lastActive, Instant firstSeen, Instant now) {
        if (lastActive == null) {
            return firstSeen.plusSeconds(activation.initialCooldownSeconds()).isBefore(now);
        }
        return lastActive.plusSeconds(activation.cooldownSeconds()).isBefore(now);
    }

    private record Activity(boolean active, boolean unknown, String metric, String error, String failureReason) {
    }

    /** Any Object/External metric strictly above its activation threshold (0 when none is listed). */
    private static Activity activity(ScalingPolicySpec spec, Observation obs) {
        Map<String, Quantity> thresholds = spec.ballast().activation() == null ? Map.of() : spec.ballast().activation().thresholds();
        String error = null;
        String failureReason = null;
        for (MetricSpec metric : spec.metrics()) {
            if (metric.type() != MetricSourceType.OBJECT && metric.type() != MetricSourceType.EXTERNAL) {
                continue;
            }
            String name = metric.displayName();
            MetricReading reading = obs.values().get(name);
            if (reading == null || reading.failed()) {
                if (error == null) {
                    error = "unable to read " + name + ": " + (reading == null ? "no value observed" : reading.error());
                    failureReason = metric.type() == MetricSourceType.OBJECT ? "FailedGetObjectMetric" : "FailedGetExternalMetric";
                }
                continue;
            }
            Quantity threshold = thresholds.get(name);
            if (reading.milli() > (threshold == null ? 0 : threshold.milli())) {
                return new Activity(true, false, name, null, null);
            }
        }
        return new Activity(false, error != null, null, error, failureReason);
    }

    private static BallastSpec.Override activeOverride(DecisionInput in, BallastSpec ballast, Instant now) {
        BallastSpec.Override o = in.override() != null ? in.override() : ballast.override();
        if (o == null || o.replicas() == null || o.expiresAt() == null || !now.isBefore(o.expiresAt())) {
            return null;
        }
        return o;
    }

    private static int readyPods(List<PodState> pods) {
        int ready = 0;
        for (PodState pod : pods) {
            if (pod.runningAndReady()) {
                ready++;
            }
        }
        return ready;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // computeReplicasForMetrics

    /** Per-metric statuses and their combination: max of the valid proposals, first failure kept. */
    private static final class Evaluation {
        final List<MetricStatus> statuses;
        int replicas;
        String metricName = "";
        int valid;
        int invalid;
        Condition firstFailure;

        Evaluation(int size) {
            statuses = new ArrayList<>(size);
        }

        static Evaluation given(int replicas) {
            Evaluation e = new Evaluation(0);
            e.replicas = replicas;
            e.valid = 1;
            e.metricName = "recommendation";
            return e;
        }

        int failureCount(ScalingHistory history) {
            return invalid > 0 ? history.consecutiveFailures() + 1 : 0;
        }
    }

    private Evaluation evaluate(ScalingPolicySpec spec, Observation obs, ScalingHistory history, Instant now, int current,
                                boolean podMetrics) {
        List<MetricSpec> metrics = spec.metrics();
        Evaluation e = new Evaluation(metrics.size());
        Tolerances tol = tolerances(spec);
        for (MetricSpec metric : metrics) {
            boolean podBased = metric.type() == MetricSourceType.RESOURCE || metric.type() == MetricSourceType.CONTAINER_RESOURCE
                    || metric.type() == MetricSourceType.PODS;
            if (podBased && !podMetrics && obs.pods().isEmpty()) {
                continue;
            }
            Proposal p = propose(metric, obs, now, current, tol);
            MetricTarget target = metric.target();
            String type = metric.type().wire();
            String name = metric.displayName();
            if (!p.ok()) {
                e.statuses.add(new MetricStatus(type, name, target, null, null, null, null, wrapError(metric, p.error())));
                if (e.invalid == 0) {
                    e.firstFailure = Condition.of(Condition.SCALING_ACTIVE, false,
                            p.failureReason() == null ? failedReason(metric.type()) : p.failureReason(),
                            "the HPA was unable to compute the replica count: " + p.error());
                }
                e.invalid++;
                continue;
            }
            e.statuses.add(new MetricStatus(type, name, target, p.replicas(), p.utilization(),
                    p.averageMilli() == null ? null : Quantity.ofMilli(p.averageMilli()),
                    p.valueMilli() == null ? null : Quantity.ofMilli(p.valueMilli()), null));
            e.valid++;
            if (e.replicas == 0 || p.replicas() > e.replicas) {
                e.replicas = p.replicas();
                e.metricName = describe(metric);
            }
        }
        return e;
    }

    private Proposal propose(MetricSpec metric, Observation obs, Instant now, int current, Tolerances tol) {
        MetricTarget target = metric.target();
        String name = metric.displayName();
        String fetchError = obs.metricErrors().get(name);
        switch (metric.type()) {
            case RESOURCE, CONTAINER_RESOURCE -> {
                boolean container = metric.type() == MetricSourceType.CONTAINER_RESOURCE;
                Sample sample = container ? Sample.CONTAINER_RESOURCE : Sample.RESOURCE;
                String containerName = container ? metric.containerResource().container() : null;
                if (fetchError != null) {
                    return Proposal.failed(container ? "FailedGetContainerResourceMetric" : "FailedGetResourceMetric",
                            "unable to get metrics for resource " + name + ": " + fetchError);
                }
                long[] unlisted = obs.unlistedSamples().getOrDefault(name, NO_SAMPLES);
                if (target.type() == MetricTargetType.UTILIZATION) {
                    return calculator.resourceUtilization(obs.pods(), unlisted, sample, name, containerName, current,
                            target.averageUtilization(), tol, now);
                }
                return calculator.plainMetric(obs.pods(), unlisted, sample, name, containerName, current,
                        target.averageValue().milli(), tol, now);
            }
            case PODS -> {
                if (fetchError != null) {
                    return Proposal.failed("FailedGetPodsMetric", "unable to get metric " + name + ": " + fetchError);
                }
                return calculator.plainMetric(obs.pods(), obs.unlistedSamples().getOrDefault(name, NO_SAMPLES),
                        Sample.PODS_METRIC, name, null, current,
                        target.averageValue().milli(), tol, now);
            }
            default -> {
                boolean object = metric.type() == MetricSourceType.OBJECT;
                String reason = object ? "FailedGetObjectMetric" : "FailedGetExternalMetric";
                MetricReading reading = obs.values().get(name);
                if (reading == null || reading.failed()) {
                    String cause = reading == null ? "no value observed" : reading.error();
                    return Proposal.failed(reason, object
                            ? "unable to get metric " + name + ": " + cause + " on " + metric.object().describedObject().kind()
                              + " " + metric.object().describedObject().name()
                            : "unable to get external metric " + name + ": " + cause);
                }
                if (target.type() == MetricTargetType.AVERAGE_VALUE) {
                    return calculator.averageValue(reading.milli(), target.averageValue().milli(), obs.statusReplicas(), tol);
                }
                Proposal p = calculator.value(obs.pods(), reading.milli(), target.value().milli(), current, tol);
                return p.ok() ? p : Proposal.failed(reason, p.error());
            }
        }
    }

    /** The error computeStatusFor*Metric returns around the calculator's (the condition carries the bare one). */
    private static String wrapError(MetricSpec metric, String error) {
        String name = metric.displayName();
        boolean utilization = metric.target().type() == MetricTargetType.UTILIZATION;
        return switch (metric.type()) {
            case RESOURCE, CONTAINER_RESOURCE -> utilization ? "failed to get " + name + " utilization: " + error
                    : "failed to get " + name + " usage: " + error;
            case PODS -> "failed to get pods metric value: " + error;
            case OBJECT -> "failed to get object metric value: " + error;
            case EXTERNAL -> "failed to get external metric " + name + ": " + error;
        };
    }

    private Tolerances tolerances(ScalingPolicySpec spec) {
        double down = settings.tolerance();
        double up = settings.tolerance();
        if (spec.behavior() != null) {
            if (spec.behavior().scaleDown().tolerance() != null) {
                down = spec.behavior().scaleDown().tolerance().milli() / 1000.0;
            }
            if (spec.behavior().scaleUp().tolerance() != null) {
                up = spec.behavior().scaleUp().tolerance().milli() / 1000.0;
            }
        }
        return new Tolerances(down, up);
    }

    private static String failedReason(MetricSourceType type) {
        return switch (type) {
            case RESOURCE -> "FailedGetResourceMetric";
            case CONTAINER_RESOURCE -> "FailedGetContainerResourceMetric";
            case PODS -> "FailedGetPodsMetric";
            case OBJECT -> "FailedGetObjectMetric";
            case EXTERNAL -> "FailedGetExternalMetric";
        };
    }

    /** The metric names horizontal.go uses in "<metric> above target". */
    private static String describe(MetricSpec metric) {
        String name = metric.displayName();
        boolean utilization = metric.target().type() == MetricTargetType.UTILIZATION;
        return switch (metric.type()) {
            // computeStatusForResourceMetricGeneric names Resource and ContainerResource metrics alike
            case RESOURCE, CONTAINER_RESOURCE -> utilization ? name + " resource utilization (percentage of request)"
                    : name + " resource";
            case PODS -> "pods metric " + name;
            // horizontal.go names an AverageValue Object metric with the External format (a copy-paste it still has)
            case OBJECT -> metric.target().type() == MetricTargetType.AVERAGE_VALUE
                    ? "external metric " + name + "(" + selectorText(metric.object().metric().selector()) + ")"
                    : metric.object().describedObject().kind() + " metric " + name;
            case EXTERNAL -> "external metric " + name + "(" + selectorText(metric.external().metric().selector()) + ")";
        };
    }

    /** How Go's %+v prints a *metav1.LabelSelector (gogo-protobuf String()), for names identical to the HPA's. */
    private static String selectorText(dev.ballast.autoscaler.policy.LabelSelector selector) {
        if (selector == null) {
            return "nil";
        }
        StringBuilder sb = new StringBuilder("&LabelSelector{MatchLabels:map[string]string{");
        if (selector.matchLabels() != null) {
            selector.matchLabels().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> sb.append(e.getKey()).append(": ").append(e.getValue()).append(','));
        }
        sb.append("},MatchExpressions:[]LabelSelectorRequirement{");
        if (selector.matchExpressions() != null) {
            for (dev.ballast.autoscaler.policy.LabelSelector.Requirement r : selector.matchExpressions()) {
                sb.append("LabelSelectorRequirement{Key:").append(r.key()).append(",Operator:").append(r.operator())
                        .append(",Values:[").append(r.values() == null ? "" : String.join(" ", r.values())).append("],},");
            }
        }
        return sb.append("},}").toString();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Burst protection and forecasting

    /** The replicas the short-window values ask for: the same Object/External formulas, from the burst readings. */
    private int burstDemand(ScalingPolicySpec spec, Observation obs, int current) {
        int demand = 0;
        Tolerances none = new Tolerances(0, 0);
        for (MetricSpec metric : spec.metrics()) {
            MetricReading reading = obs.burstValues().get(metric.displayName());
            if (reading == null || reading.failed()) {
                continue;
            }
            MetricTarget target = metric.target();
            Proposal p;
            if (target.type() == MetricTargetType.AVERAGE_VALUE) {
                p = calculator.averageValue(reading.milli(), target.averageValue().milli(), obs.statusReplicas(), none);
            } else if (target.type() == MetricTargetType.VALUE) {
                p = calculator.value(obs.pods(), reading.milli(), target.value().milli(), current, none);
            } else {
                continue;
            }
            if (p.ok()) {
                demand = Math.max(demand, p.replicas());
            }
        }
        return demand;
    }

    /**
     * Forecasts each metric that has a series, takes its peak within the horizon and converts that peak to replicas
     * with the metric's own target. Series of pod-based metrics hold totals across pods.
     */
    private Decision.Forecast forecast(ScalingPolicySpec spec, Observation obs, ScalingHistory history, int current,
                                       int reactive) {
        BallastSpec.Predictive predictive = spec.ballast().predictive();
        if (predictive == null || predictive.mode() == PredictiveMode.OFF) {
            return null;
        }
        List<Decision.MetricForecast> forecasts = new ArrayList<>();
        int replicas = 0;
        for (MetricSpec metric : spec.metrics()) {
            MetricSeries series = history.series().get(metric.displayName());
            if (series == null || series.values().length < 2) {
                continue;
            }
            int steps = Math.max(1, predictive.horizonSeconds() / series.stepSeconds());
            int season = predictive.seasonSeconds() / series.stepSeconds();
            double[] ahead = predictive.method() == BallastSpec.ForecastMethod.HOLT_WINTERS
                    ? HoltWinters.forecast(series.values(), season, steps, predictive.alpha(), predictive.beta(), predictive.gamma())
                    : null;
            if (ahead == null) {
                ahead = LinearTrend.forecast(series.values(), Math.max(2, steps * 4), steps);
            }
            if (ahead == null) {
                continue;
            }
            double peak = 0;
            for (double v : ahead) {
                peak = Math.max(peak, v);
            }
            int needed = replicasFor(metric, peak, obs);
            if (needed < 0) {
                continue;
            }
            replicas = Math.max(replicas, needed);
            forecasts.add(new Decision.MetricForecast(metric.displayName(), series.values()[series.values().length - 1],
                    peak, needed));
        }
        if (forecasts.isEmpty()) {
            return null;
        }
        replicas = Math.min(replicas, spec.maxReplicas());
        boolean applied = predictive.mode() == PredictiveMode.FORECAST_AND_SCALE;
        return new Decision.Forecast(predictive.mode() == PredictiveMode.FORECAST_AND_SCALE ? "forecast-and-scale" : "forecast-only",
                predictive.method() == BallastSpec.ForecastMethod.HOLT_WINTERS ? "holt-winters" : "linear",
                predictive.horizonSeconds(), forecasts, replicas, applied);
    }

    /** Replicas a (forecast) total would need under the metric's target; -1 when it cannot be converted. */
    private static int replicasFor(MetricSpec metric, double total, Observation obs) {
        MetricTarget target = metric.target();
        double perReplica;
        if (target.type() == MetricTargetType.AVERAGE_VALUE) {
            perReplica = target.averageValue().milli();
        } else if (target.type() == MetricTargetType.VALUE) {
            // a Value target holds the metric at the target with the current ready pods
            return (int) Math.ceil(total / target.value().milli() * Math.max(1, readyPods(obs.pods())));
        } else {
            long requests = 0;
            int counted = 0;
            for (PodState pod : obs.pods()) {
                Long r = pod.requestsMilli().get(metric.displayName());
                if (r != null) {
                    requests += r;
                    counted++;
                }
            }
            if (counted == 0) {
                return -1;
            }
            perReplica = (double) requests / counted * target.averageUtilization() / 100.0;
        }
        return (int) Math.ceil(Math.max(0, total) / perReplica);
    }

    /** Appends the observation to a metric's series when a step has passed (for the runtime to persist). */
    public static Map<String, MetricSeries> appendSamples(Map<String, MetricSeries> series, Map<String, Double> samples,
                                                          Instant now, int stepSeconds, int maxPoints) {
        Map<String, MetricSeries> next = new HashMap<>(series);
        for (Map.Entry<String, Double> sample : samples.entrySet()) {
            MetricSeries old = series.get(sample.getKey());
            if (old != null && old.lastSampleAt() != null && now.isBefore(old.lastSampleAt().plusSeconds(old.stepSeconds()))) {
                continue;
            }
            double[] values = old == null ? new double[0] : old.values();
            int keep = Math.min(values.length, maxPoints - 1);
            double[] grown = new double[keep + 1];
            System.arraycopy(values, values.length - keep, grown, 0, keep);
            grown[keep] = sample.getValue();
            next.put(sample.getKey(), new MetricSeries(old == null ? stepSeconds : old.stepSeconds(), grown, now));
        }
        return next;
    }
}
