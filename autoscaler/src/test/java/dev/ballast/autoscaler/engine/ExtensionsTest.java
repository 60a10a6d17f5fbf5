package dev.ballast.autoscaler.engine;

import dev.ballast.autoscaler.policy.BallastSpec;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.ballast.autoscaler.engine.Specs.external;
import static dev.ballast.autoscaler.engine.Specs.spec;
import static dev.ballast.autoscaler.engine.TestPods.NOW;
import static org.assertj.core.api.Assertions.assertThat;

/** Ballast's extensions on top of the HPA: activation, fallback, burst protection, override, budget. */
class ExtensionsTest {

    private final DecisionEngine engine = new DecisionEngine();

    static List<PodState> readyPods(int n) {
        List<PodState> pods = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            pods.add(TestPods.pod("pod-" + i, "ready", Map.of(), Map.of(), Map.of()));
        }
        return pods;
    }

    static Observation queue(int replicas, long valueMilli) {
        return Observation.of(replicas, readyPods(replicas), Map.of("queue", MetricReading.of(valueMilli)));
    }

    static ScalingHistory history(Instant lastActive, int failures, Instant burstUntil) {
        return new ScalingHistory(List.of(), List.of(), List.of(), lastActive, failures, burstUntil, Map.of(),
                NOW.minusSeconds(86_400));
    }

    private Decision decide(ScalingPolicySpec spec, Observation obs, ScalingHistory history, Instant now) {
        return engine.decide(new DecisionInput(spec, obs, history, now, null, null));
    }

    @Nested
    @DisplayName("activation and scale to zero (KEDA semantics)")
    class Activation {

        final ScalingPolicySpec spec = spec(0, 10, external("queue", "10"), """
                "ballast": {"activation": {"thresholds": {"queue": "5"}, "cooldownSeconds": 300},
                            "fallback": {"failureThreshold": 2, "replicas": 3}}""");

        @ParameterizedTest(name = "at zero, queue {0}m → {1} replicas ({2})")
        @DisplayName("from zero: wake to max(minReplicas, 1) only when strictly above the activation threshold")
        @CsvSource({"5000, 0, BelowActivationThreshold", "5001, 1, ScaledFromZero", "80000, 1, ScaledFromZero"})
        void fromZero(long value, int expected, String reason) {
            Decision d = decide(spec, queue(0, value), history(null, 0, null), NOW);

            assertThat(d.desiredReplicas()).isEqualTo(expected);
            assertThat(d.condition(Condition.ACTIVATION).reason()).isEqualTo(reason);
            if (expected == 1) {
                assertThat(d.history().lastActiveTime()).isEqualTo(NOW);
            }
        }

        @Test
        @DisplayName("a failed activation metric is not zero load: stay at zero, count the failure")
        void failureAtZero() {
            Observation obs = Observation.of(0, List.of(), Map.of("queue", MetricReading.failed("redis down")));

            Decision d = decide(spec, obs, history(null, 0, null), NOW);

            assertThat(d.desiredReplicas()).isZero();
            assertThat(d.condition(Condition.ACTIVATION).reason()).isEqualTo("ActivationUnknown");
            assertThat(d.history().consecutiveFailures()).isEqualTo(1);
        }

        @Test
        @DisplayName("fallback applies from zero once the failures reach the threshold")
        void fallbackFromZero() {
            Observation obs = Observation.of(0, List.of(), Map.of("queue", MetricReading.failed("redis down")));

            Decision d = decide(spec, obs, history(null, 1, null), NOW);

            assertThat(d.desiredReplicas()).isEqualTo(3);
            assertThat(d.condition(Condition.FALLBACK).holds()).isTrue();
        }

        @ParameterizedTest(name = "last active {0}s ago, queue {1}m → {2}")
        @DisplayName("while running: back to zero only after the cooldown without activity; inside it the HPA part"
                + " decides, with floor 1")
        @CsvSource({
                "400, 4000, 0",
                "100, 4000, 1",
                "400, 40000, 4",
        })
        void cooldown(long lastActiveSecondsAgo, long value, int expected) {
            Decision d = decide(spec, queue(3, value), history(NOW.minusSeconds(lastActiveSecondsAgo), 0, null), NOW);

            assertThat(d.desiredReplicas()).isEqualTo(expected);
        }

        @Test
        @DisplayName("activation wins over scaling: below the activation threshold goes to zero even if the HPA wants 4")
        void activationWins() {
            ScalingPolicySpec keda = spec(0, 10, external("queue", "10"), """
                    "ballast": {"activation": {"thresholds": {"queue": "50"}, "cooldownSeconds": 300}}""");

            Decision d = decide(keda, queue(3, 40_000), history(NOW.minusSeconds(301), 0, null), NOW);

            assertThat(d.desiredReplicas()).isZero();
            assertThat(d.condition(Condition.ACTIVATION).reason()).isEqualTo("ScaledToZero");
        }

        @Test
        @DisplayName("activity while running refreshes lastActiveTime")
        void refreshesActivity() {
            Decision d = decide(spec, queue(3, 30_000), history(NOW.minusSeconds(100), 0, null), NOW);

            assertThat(d.history().lastActiveTime()).isEqualTo(NOW);
            assertThat(d.desiredReplicas()).isEqualTo(3);
        }
    }

    @Nested
    @DisplayName("fallback after repeated metric failures")
    class Fallback {

        final ScalingPolicySpec spec = spec(1, 10, external("queue", "10"), """
                "ballast": {"fallback": {"failureThreshold": 3, "replicas": 4}}""");
        final Observation failing = Observation.of(2, readyPods(2), Map.of("queue", MetricReading.failed("timeout")));

        @Test
        @DisplayName("below the threshold a failure holds the current size and counts")
        void belowThreshold() {
            Decision d = decide(spec, failing, history(null, 1, null), NOW);

            assertThat(d.desiredReplicas()).isEqualTo(2);
            assertThat(d.history().consecutiveFailures()).isEqualTo(2);
            assertThat(d.condition(Condition.FALLBACK)).isNull();
        }

        @Test
        @DisplayName("at the threshold the failed metric proposes the fallback replicas")
        void atThreshold() {
            Decision d = decide(spec, failing, history(null, 2, null), NOW);

            assertThat(d.desiredReplicas()).isEqualTo(4);
            assertThat(d.condition(Condition.FALLBACK).reason()).isEqualTo("MetricFailuresExceeded");
            assertThat(d.metrics().get(0).error()).contains("timeout");
        }

        @Test
        @DisplayName("a success resets the failure count")
        void resets() {
            Decision d = decide(spec, queue(2, 20_000), history(null, 2, null), NOW);

            assertThat(d.history().consecutiveFailures()).isZero();
            assertThat(d.desiredReplicas()).isEqualTo(2);
        }
    }

    @Nested
    @DisplayName("burst protection (Knative panic mode)")
    class Burst {

        final ScalingPolicySpec spec = spec(1, 20, external("queue", "10"), """
                "behavior": {"scaleDown": {"stabilizationWindowSeconds": 0}},
                "ballast": {"burst": {"thresholdPercent": 200, "stableWindowSeconds": 60}}""");

        static Observation withBurst(int replicas, long value, Long burst) {
            return new Observation(replicas, replicas, readyPods(replicas), Map.of("queue", MetricReading.of(value)),
                    Map.of(), null, burst == null ? Map.of() : Map.of("queue", MetricReading.of(burst)));
        }

        @Test
        @DisplayName("a burst of at least 200% of the ready pods scales up at once, past the scale-up rate")
        void panics() {
            Decision d = decide(spec, withBurst(2, 20_000, 100_000L), history(null, 0, null), NOW);

            assertThat(d.desiredReplicas()).isEqualTo(10);
            assertThat(d.condition(Condition.BURST).reason()).isEqualTo("PanicMode");
            assertThat(d.history().burstUntil()).isEqualTo(NOW.plusSeconds(60));
        }

        @Test
        @DisplayName("a short-window value below the threshold changes nothing")
        void noBurst() {
            Decision d = decide(spec, withBurst(2, 20_000, 30_000L), history(null, 0, null), NOW);

            assertThat(d.desiredReplicas()).isEqualTo(2);
            assertThat(d.condition(Condition.BURST)).isNull();
        }

        @ParameterizedTest(name = "{0}s after the last burst → {1} replicas")
        @DisplayName("no scale-down until a stable window passes without a burst")
        @CsvSource({"15, 10", "59, 10", "61, 1"})
        void holds(long secondsLater, int expected) {
            ScalingHistory afterBurst = history(null, 0, NOW.plusSeconds(60));

            Decision d = decide(spec, withBurst(10, 5_000, null), afterBurst, NOW.plusSeconds(secondsLater));

            assertThat(d.desiredReplicas()).isEqualTo(expected);
        }
    }

    @Nested
    @DisplayName("manual override")
    class Override {

        final ScalingPolicySpec spec = spec(1, 10, external("queue", "10"), """
                "ballast": {"override": {"replicas": 6, "reason": "launch day", "expiresAt": "2026-01-01T13:00:00Z"}}""");

        @Test
        @DisplayName("an unexpired override pins the target whatever the metrics say")
        void pins() {
            Decision d = decide(spec, queue(3, 30_000), history(null, 0, null), NOW);

            assertThat(d.desiredReplicas()).isEqualTo(6);
            assertThat(d.condition(Condition.OVERRIDE).message()).contains("launch day").contains("2026-01-01T13:00:00Z");
            assertThat(d.metrics()).extracting(MetricStatus::replicas).containsExactly(3);
        }

        @Test
        @DisplayName("at its expiry the override no longer applies")
        void expires() {
            Decision d = decide(spec, queue(3, 30_000), history(null, 0, null), Instant.parse("2026-01-01T13:00:00Z"));

            assertThat(d.desiredReplicas()).isEqualTo(3);
            assertThat(d.condition(Condition.OVERRIDE)).isNull();
        }

        @Test
        @DisplayName("an override set through the API wins over the one in the spec")
        void apiOverride() {
            BallastSpec.Override api = new BallastSpec.Override(2, "incident", NOW.plusSeconds(60));

            Decision d = engine.decide(new DecisionInput(spec, queue(3, 30_000), null, NOW, api, null));

            assertThat(d.desiredReplicas()).isEqualTo(2);
        }
    }

    @Nested
    @DisplayName("budget groups with priorities")
    class Budget {

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', textBlock = """
                fits: nobody trimmed                         | 20 | 10:2:6 1:1:8      | 6 8
                lowest priority trimmed first                | 10 | 10:2:6 1:1:8      | 6 4
                lowest stops at its minimum, next one gives  | 6  | 10:2:6 1:1:8      | 5 1
                minimums are never broken                    | 2  | 10:2:6 1:1:8      | 2 1
                equal priorities trim the largest first      | 10 | 5:1:8 5:1:6       | 5 5
                """)
        void arbitrate(String scenario, int budget, String claims, String expected) {
            String[] parts = claims.split(" ");
            List<BudgetArbiter.Claim> list = new java.util.ArrayList<>();
            for (int i = 0; i < parts.length; i++) {
                String[] f = parts[i].split(":");
                list.add(new BudgetArbiter.Claim("p" + i, Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2])));
            }

            Map<String, BudgetArbiter.Grant> grants = BudgetArbiter.arbitrate(list, budget);

            String[] want = expected.split(" ");
            for (int i = 0; i < want.length; i++) {
                assertThat(grants.get("p" + i).replicas()).as("p" + i).isEqualTo(Integer.parseInt(want[i]));
            }
        }

        @Test
        @DisplayName("a trimmed policy gets a BudgetLimited condition and its history records the replicas it got")
        void decideGroup() {
            ScalingPolicySpec high = spec(1, 20, external("queue", "10"), "\"ballast\": {\"budgetGroup\": \"gpu\", \"priority\": 10}");
            ScalingPolicySpec low = spec(1, 20, external("queue", "10"), "\"ballast\": {\"budgetGroup\": \"gpu\", \"priority\": 1}");
            List<DecisionInput> inputs = List.of(DecisionInput.of(high, queue(4, 60_000), null, NOW),
                    DecisionInput.of(low, queue(4, 60_000), null, NOW));

            List<Decision> decisions = BudgetArbiter.decideGroup(engine, inputs, List.of("high", "low"), 9);

            assertThat(decisions.get(0).desiredReplicas()).isEqualTo(6);
            assertThat(decisions.get(0).condition(Condition.BUDGET)).isNull();
            assertThat(decisions.get(1).desiredReplicas()).isEqualTo(3);
            assertThat(decisions.get(1).condition(Condition.BUDGET).message()).contains("budget group gpu allows 3");
        }
    }
}
