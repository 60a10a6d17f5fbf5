package dev.ballast.autoscaler.engine;

import dev.ballast.autoscaler.engine.ScalingHistory.Recommendation;
import dev.ballast.autoscaler.engine.ScalingHistory.ScaleEvent;
import dev.ballast.autoscaler.policy.HPAScalingRules;
import dev.ballast.autoscaler.policy.HPAScalingRules.HPAScalingPolicy;
import dev.ballast.autoscaler.policy.ScalingPolicyType;
import dev.ballast.autoscaler.policy.SelectPolicy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a metric recommendation into the replica count to apply, as horizontal.go does: with {@code behavior}
 * (normalizeDesiredReplicasWithBehaviors: stabilize, then rate-limit by policies, then clamp) or without it (the
 * legacy normalizeDesiredReplicas: 5-minute scale-down stabilization, max(2x, 4) scale-up cap). Pure: the updated
 * recommendation list is returned, never stored.
 */
final class BehaviorNormalizer {

    static final double SCALE_UP_LIMIT_FACTOR = 2.0;
    static final double SCALE_UP_LIMIT_MINIMUM = 4.0;

    private BehaviorNormalizer() {
    }

    /** Result of stabilization: the stabilized value, the AbleToScale reason if it changed, and the new list. */
    record Stabilized(int replicas, String reason, String message, List<Recommendation> recommendations) {
    }

    /** stabilizeRecommendationWithBehaviors: clamp(current, min over the up window, max over the down window). */
    static Stabilized stabilizeWithBehaviors(int current, int desired, int upWindowSeconds, int downWindowSeconds,
                                             List<Recommendation> recommendations, Instant now) {
        Instant upCutoff = now.minusSeconds(upWindowSeconds);
        Instant downCutoff = now.minusSeconds(downWindowSeconds);
        int upRecommendation = desired;
        int downRecommendation = desired;
        int oldSampleIndex = -1;
        for (int i = 0; i < recommendations.size(); i++) {
            Recommendation rec = recommendations.get(i);
            if (rec.timestamp().isAfter(upCutoff)) {
                upRecommendation = Math.min(rec.replicas(), upRecommendation);
            }
            if (rec.timestamp().isAfter(downCutoff)) {
                downRecommendation = Math.max(rec.replicas(), downRecommendation);
            }
            if (rec.timestamp().isBefore(upCutoff) && rec.timestamp().isBefore(downCutoff)) {
                oldSampleIndex = i;
            }
        }
        int recommendation = current;
        if (recommendation < upRecommendation) {
            recommendation = upRecommendation;
        }
        if (recommendation > downRecommendation) {
            recommendation = downRecommendation;
        }
        List<Recommendation> stored = store(recommendations, oldSampleIndex, new Recommendation(desired, now));
        if (desired >= current) {
            return new Stabilized(recommendation, "ScaleUpStabilized",
                    "recent recommendations were lower than current one, applying the lowest recent recommendation", stored);
        }
        return new Stabilized(recommendation, "ScaleDownStabilized",
                "recent recommendations were higher than current one, applying the highest recent recommendation", stored);
    }

    /** The legacy stabilizeRecommendation: the max over the downscale window (recommendations at the cutoff count). */
    static Stabilized stabilizeLegacy(int desired, Duration window, List<Recommendation> recommendations, Instant now) {
        Instant cutoff = now.minus(window);
        int max = desired;
        int oldSampleIndex = -1;
        for (int i = 0; i < recommendations.size(); i++) {
            Recommendation rec = recommendations.get(i);
            if (rec.timestamp().isBefore(cutoff)) {
                oldSampleIndex = i;
            } else if (rec.replicas() > max) {
                max = rec.replicas();
            }
        }
        return new Stabilized(max, "ScaleDownStabilized",
                "recent recommendations were higher than current one, applying the highest recent recommendation",
                store(recommendations, oldSampleIndex, new Recommendation(desired, now)));
    }

    private static List<Recommendation> store(List<Recommendation> recommendations, int oldIndex, Recommendation fresh) {
        List<Recommendation> stored = new ArrayList<>(recommendations.size() + 1);
        stored.addAll(recommendations);
        if (oldIndex >= 0) {
            stored.set(oldIndex, fresh);
        } else {
            stored.add(fresh);
        }
        return stored;
    }

    /** Result of the rate/limit step: replicas, the ScalingLimited reason and message. */
    record Limited(int replicas, String reason, String message) {
    }

    /** convertDesiredReplicasWithBehaviorRate. */
    static Limited convertWithBehaviorRate(int current, int desired, int min, int max, HPAScalingRules scaleUp,
                                           HPAScalingRules scaleDown, List<ScaleEvent> upEvents,
                                           List<ScaleEvent> downEvents, Instant now) {
        if (desired > current) {
            int scaleUpLimit = scaleUpLimit(current, upEvents, downEvents, scaleUp, now);
            if (scaleUpLimit < current) {
                // no further scale-up until the scale-up events leave their periods
                scaleUpLimit = current;
            }
            int maximumAllowed = max;
            String reason;
            String message;
            if (maximumAllowed > scaleUpLimit) {
                maximumAllowed = scaleUpLimit;
                reason = "ScaleUpLimit";
                message = "the desired replica count is increasing faster than the maximum scale rate";
            } else {
                reason = "TooManyReplicas";
                message = "the desired replica count is more than the maximum replica count";
            }
            if (desired > maximumAllowed) {
                return new Limited(maximumAllowed, reason, message);
            }
        } else if (desired < current) {
            int scaleDownLimit = scaleDownLimit(current, upEvents, downEvents, scaleDown, now);
            if (scaleDownLimit > current) {
                scaleDownLimit = current;
            }
            int minimumAllowed = min;
            String reason;
            String message;
            if (minimumAllowed < scaleDownLimit) {
                minimumAllowed = scaleDownLimit;
                reason = "ScaleDownLimit";
                message = "the desired replica count is decreasing faster than the maximum scale rate";
            } else {
                reason = "TooFewReplicas";
                message = "the desired replica count is less than the minimum replica count";
            }
            if (desired < minimumAllowed) {
                return new Limited(minimumAllowed, reason, message);
            }
        }
        return new Limited(desired, "DesiredWithinRange", "the desired count is within the acceptable range");
    }

    /** convertDesiredReplicasWithRules: the legacy path's min clamp and max(2x current, 4) scale-up cap. */
    static Limited convertWithRules(int current, int desired, int min, int max) {
        int scaleUpLimit = (int) Math.max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM);
        int maximumAllowed;
        String reason;
        String message;
        if (max > scaleUpLimit) {
            maximumAllowed = scaleUpLimit;
            reason = "ScaleUpLimit";
            message = "the desired replica count is increasing faster than the maximum scale rate";
        } else {
            maximumAllowed = max;
            reason = "TooManyReplicas";
            message = "the desired replica count is more than the maximum replica count";
        }
        if (desired < min) {
            return new Limited(min, "TooFewReplicas", "the desired replica count is less than the minimum replica count");
        } else if (desired > maximumAllowed) {
            return new Limited(maximumAllowed, reason, message);
        }
        return new Limited(desired, "DesiredWithinRange", "the desired count is within the acceptable range");
    }

    /** calculateScaleUpLimitWithScalingRules. */
    static int scaleUpLimit(int current, List<ScaleEvent> upEvents, List<ScaleEvent> downEvents, HPAScalingRules rules,
                            Instant now) {
        SelectPolicy select = rules.selectPolicy();
        if (select == SelectPolicy.DISABLED) {
            return current;
        }
        boolean minChange = select == SelectPolicy.MIN;
        int result = minChange ? Integer.MAX_VALUE : Integer.MIN_VALUE;
        for (HPAScalingPolicy policy : rules.policies()) {
            int periodStart = periodStart(current, policy.periodSeconds(), upEvents, downEvents, now);
            int proposed = policy.type() == ScalingPolicyType.PODS
                    ? periodStart + policy.value()
                    // rounded up, or a small target could never grow
                    : (int) Math.ceil((double) periodStart * (1 + (double) policy.value() / 100));
            result = minChange ? Math.min(result, proposed) : Math.max(result, proposed);
        }
        return result;
    }

    /** calculateScaleDownLimitWithBehaviors. */
    static int scaleDownLimit(int current, List<ScaleEvent> upEvents, List<ScaleEvent> downEvents, HPAScalingRules rules,
                              Instant now) {
        SelectPolicy select = rules.selectPolicy();
        if (select == SelectPolicy.DISABLED) {
            return current;
        }
        boolean minChange = select == SelectPolicy.MIN;
        int result = minChange ? Integer.MIN_VALUE : Integer.MAX_VALUE;
        for (HPAScalingPolicy policy : rules.policies()) {
            int periodStart = periodStart(current, policy.periodSeconds(), upEvents, downEvents, now);
            int proposed = policy.type() == ScalingPolicyType.PODS
                    ? periodStart - policy.value()
                    : (int) ((double) periodStart * (1 - (double) policy.value() / 100));
            result = minChange ? Math.max(result, proposed) : Math.min(result, proposed);
        }
        return result;
    }

    /** The size at the start of a policy's period: current minus the scale-ups plus the scale-downs inside it. */
    private static int periodStart(int current, int periodSeconds, List<ScaleEvent> upEvents, List<ScaleEvent> downEvents,
                                   Instant now) {
        return current - changeInPeriod(periodSeconds, upEvents, now) + changeInPeriod(periodSeconds, downEvents, now);
    }

    /** getReplicasChangePerPeriod: events strictly after now - period count; one exactly period old does not. */
    static int changeInPeriod(int periodSeconds, List<ScaleEvent> events, Instant now) {
        Instant cutoff = now.minusSeconds(periodSeconds);
        int replicas = 0;
        for (ScaleEvent event : events) {
            if (event.timestamp().isAfter(cutoff)) {
                replicas += event.replicaChange();
            }
        }
        return replicas;
    }

    /**
     * storeScaleEvent: records the absolute change in its direction, reusing the last slot older than that
     * direction's longest policy period. Returns {up, down} lists.
     */
    static List<List<ScaleEvent>> storeScaleEvent(HPAScalingRules scaleUp, HPAScalingRules scaleDown, int previous,
                                                  int next, List<ScaleEvent> upEvents, List<ScaleEvent> downEvents,
                                                  Instant now) {
        if (next > previous) {
            return List.of(store(upEvents, longestPeriod(scaleUp), new ScaleEvent(next - previous, now), now), downEvents);
        }
        return List.of(upEvents, store(downEvents, longestPeriod(scaleDown), new ScaleEvent(previous - next, now), now));
    }

    private static List<ScaleEvent> store(List<ScaleEvent> events, int longestPeriod, ScaleEvent fresh, Instant now) {
        Instant cutoff = now.minusSeconds(longestPeriod);
        int oldIndex = -1;
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).timestamp().isBefore(cutoff)) {
                oldIndex = i;
            }
        }
        List<ScaleEvent> stored = new ArrayList<>(events);
        if (oldIndex >= 0) {
            stored.set(oldIndex, fresh);
        } else {
            stored.add(fresh);
        }
        return stored;
    }

    private static int longestPeriod(HPAScalingRules rules) {
        int longest = 0;
        for (HPAScalingPolicy policy : rules.policies()) {
            longest = Math.max(longest, policy.periodSeconds());
        }
        return longest;
    }
}
