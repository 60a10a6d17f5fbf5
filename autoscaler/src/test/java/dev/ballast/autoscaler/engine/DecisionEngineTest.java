package dev.ballast.autoscaler.engine;

import dev.ballast.autoscaler.engine.ScalingHistory.Recommendation;
import dev.ballast.autoscaler.engine.ScalingHistory.ScaleEvent;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static dev.ballast.autoscaler.engine.Specs.cpu;
import static dev.ballast.autoscaler.engine.Specs.external;
import static dev.ballast.autoscaler.engine.Specs.pods;
import static dev.ballast.autoscaler.engine.Specs.spec;
import static dev.ballast.autoscaler.engine.TestPods.NOW;
import static dev.ballast.autoscaler.engine.TestPods.samples;
import static dev.ballast.autoscaler.engine.TestPods.words;
import static org.assertj.core.api.Assertions.assertThat;

/** reconcileAutoscaler end to end: the branches before the metrics, metric combination, normalization, history. */
class DecisionEngineTest {

    private final DecisionEngine engine = new DecisionEngine();

    static List<PodState> cpuPods(String usage, String states) {
        Long[] use = samples(usage);
        long[] requests = new long[use.length];
        java.util.Arrays.fill(requests, 1000);
        return TestPods.resourcePods("cpu", requests, use, words(states));
    }

    static Observation observe(int replicas, List<PodState> pods, Map<String, MetricReading> values) {
        return Observation.of(replicas, pods, values);
    }

    private Decision decide(ScalingPolicySpec spec, Observation obs, ScalingHistory history) {
        return engine.decide(new DecisionInput(spec, obs, history, NOW, null, null));
    }

    @Nested
    @DisplayName("before any metric is read")
    class Preconditions {

        @Test
        @DisplayName("a target at zero with minReplicas above zero is left alone: ScalingDisabled")
        void scalingDisabled() {
            Decision d = decide(spec(1, 5, cpu(50), ""), observe(0, List.of(), Map.of()), null);

            assertThat(d.desiredReplicas()).isZero();
            assertThat(d.rescale()).isFalse();
            assertThat(d.condition(Condition.SCALING_ACTIVE)).isEqualTo(Condition.of(Condition.SCALING_ACTIVE, false,
                    "ScalingDisabled", "scaling is disabled since the replica count of the target is zero"));
        }

        @ParameterizedTest(name = "current {0} with bounds [{1}, {2}] goes to {3}")
        @DisplayName("current outside [min, max] goes to the bound without consulting metrics")
        @CsvSource({"9, 2, 5, 5", "1, 2, 5, 2"})
        void outsideBounds(int current, int min, int max, int expected) {
            Observation broken = new Observation(current, current, List.of(), Map.of(), Map.of("cpu", "metrics API down"),
                    null, Map.of());

            Decision d = decide(spec(min, max, cpu(50), ""), broken, null);

            assertThat(d.desiredReplicas()).isEqualTo(expected);
            assertThat(d.rescale()).isTrue();
            assertThat(d.metrics()).isEmpty();
        }
    }

    @Nested
    @DisplayName("minReplicas 0 without activation (the HPA's HPAScaleToZero)")
    class ScaleToZeroGate {

        @Test
        @DisplayName("from zero an External Value metric proposes ceil(ratio)")
        void fromZero() {
            ScalingPolicySpec spec = spec(0, 10, """
                    {"type": "External", "external": {"metric": {"name": "rps"}, "target": {"type": "Value", "value": "100"}}}""",
                    "\"behavior\": {}");

            Decision d = decide(spec, observe(0, List.of(), Map.of("rps", MetricReading.of(250_000))), null);

            assertThat(d.metrics().get(0).replicas()).isEqualTo(3);
            assertThat(d.desiredReplicas()).isEqualTo(3);
        }

        @Test
        @DisplayName("no load takes the target to zero through the scale-down rules")
        void toZero() {
            ScalingPolicySpec spec = spec(0, 10, external("queue", "10"), """
                    "behavior": {"scaleDown": {"stabilizationWindowSeconds": 0}}""");
            ScalingHistory seen = new ScalingHistory(List.of(), List.of(), List.of(), null, 0, null, Map.of(),
                    NOW.minusSeconds(600));

            Decision d = decide(spec, observe(2, List.of(), Map.of("queue", MetricReading.of(0))), seen);

            assertThat(d.desiredReplicas()).isZero();
            assertThat(d.condition(Condition.ABLE_TO_SCALE).reason()).isEqualTo("SucceededRescale");
        }
    }

    @Nested
    @DisplayName("combining metrics")
    class Combination {

        @Test
        @DisplayName("the largest proposal wins and names the rescale reason")
        void maximum() {
            ScalingPolicySpec spec = spec(1, 20, cpu(30) + "," + external("queue", "10"), "\"behavior\": {}");
            Observation obs = observe(3, cpuPods("300 500 700", "ready ready ready"), Map.of("queue", MetricReading.of(80_000)));

            Decision d = decide(spec, obs, null);

            assertThat(d.metrics()).extracting(MetricStatus::replicas).containsExactly(5, 8);
            assertThat(d.desiredReplicas()).isEqualTo(7); // default scale-up: max(3 + 4, 3 * 2)
            assertThat(d.reason()).isEqualTo("external metric queue(nil) above target");
            assertThat(d.condition(Condition.SCALING_ACTIVE).reason()).isEqualTo("ValidMetricFound");
            assertThat(d.condition(Condition.SCALING_LIMITED)).isEqualTo(Condition.of(Condition.SCALING_LIMITED, true,
                    "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"));
        }

        @ParameterizedTest(name = "{0} target → \"{1}\"")
        @DisplayName("reasons name Object metrics as horizontal.go does, its AverageValue copy-paste included")
        @CsvSource(delimiter = '|', textBlock = """
                Value        | Service metric rps above target
                AverageValue | external metric rps(nil) above target
                """)
        void objectMetricNames(String targetType, String reason) {
            String target = targetType.equals("Value") ? "\"value\": \"10\"" : "\"averageValue\": \"10\"";
            ScalingPolicySpec spec = spec(1, 20, """
                    {"type": "Object", "object": {"describedObject": {"kind": "Service", "name": "web"},
                     "metric": {"name": "rps"}, "target": {"type": "%s", %s}}}""".formatted(targetType, target), "");
            Observation obs = observe(2, TestPods.metricPods("x", samples("- -"), words("ready ready")),
                    Map.of("rps", MetricReading.of(60_000)));

            Decision d = decide(spec, obs, null);

            assertThat(d.reason()).isEqualTo(reason);
        }

        @Test
        @DisplayName("a failed metric blocks a scale-down the others suggest")
        void failureBlocksScaleDown() {
            ScalingPolicySpec spec = spec(1, 20, cpu(50) + "," + external("queue", "10"), "");
            Observation obs = observe(5, cpuPods("100 100 100 100 100", "ready ready ready ready ready"),
                    Map.of("queue", MetricReading.failed("prometheus unreachable")));

            Decision d = decide(spec, obs, null);

            assertThat(d.desiredReplicas()).isEqualTo(5);
            assertThat(d.rescale()).isFalse();
            assertThat(d.condition(Condition.SCALING_ACTIVE).reason()).isEqualTo("FailedGetExternalMetric");
            assertThat(d.condition(Condition.SCALING_ACTIVE).message()).contains("prometheus unreachable");
            assertThat(d.metrics().get(1).error()).contains("prometheus unreachable");
            assertThat(d.history().consecutiveFailures()).isEqualTo(1);
        }

        @Test
        @DisplayName("a failed metric does not block a scale-up the others suggest")
        void failureAllowsScaleUp() {
            ScalingPolicySpec spec = spec(1, 20, cpu(30) + "," + external("queue", "10"), "");
            Observation obs = observe(3, cpuPods("300 500 700", "ready ready ready"),
                    Map.of("queue", MetricReading.failed("timeout")));

            Decision d = decide(spec, obs, null);

            assertThat(d.desiredReplicas()).isEqualTo(5);
            assertThat(d.condition(Condition.SCALING_ACTIVE).reason()).isEqualTo("ValidMetricFound");
        }

        @Test
        @DisplayName("when every metric fails nothing changes and no recommendation is recorded")
        void allFail() {
            Observation obs = new Observation(3, 3, cpuPods("300 500 700", "ready ready ready"), Map.of(),
                    Map.of("cpu", "metrics API down"), null, Map.of());

            Decision d = decide(spec(1, 20, cpu(30), ""), obs, null);

            assertThat(d.desiredReplicas()).isEqualTo(3);
            assertThat(d.rescale()).isFalse();
            assertThat(d.condition(Condition.SCALING_ACTIVE).reason()).isEqualTo("FailedGetResourceMetric");
            assertThat(d.history().recommendations()).containsExactly(new Recommendation(3, NOW));
        }
    }

    @Nested
    @DisplayName("normalization and history")
    class Normalization {

        @Test
        @DisplayName("the first decision seeds the window with the current size, then stores its recommendation")
        void seedsRecommendations() {
            Decision d = decide(spec(1, 20, cpu(30), "\"behavior\": {}"),
                    observe(3, cpuPods("300 500 700", "ready ready ready"), Map.of()), null);

            assertThat(d.history().recommendations()).containsExactly(new Recommendation(3, NOW), new Recommendation(5, NOW));
            assertThat(d.history().scaleUpEvents()).containsExactly(new ScaleEvent(2, NOW));
            assertThat(d.reason()).isEqualTo("cpu resource utilization (percentage of request) above target");
        }

        @Test
        @DisplayName("the default 300 s scale-down window holds the highest recent recommendation")
        void downscaleStabilization() {
            ScalingHistory history = new ScalingHistory(List.of(new Recommendation(5, NOW.minusSeconds(200))), List.of(),
                    List.of(), null, 0, null, Map.of(), NOW.minusSeconds(3600));

            Decision d = decide(spec(1, 20, cpu(50), "\"behavior\": {}"),
                    observe(5, cpuPods("100 100 100 100 100", "ready ready ready ready ready"), Map.of()), history);

            assertThat(d.desiredReplicas()).isEqualTo(5);
            assertThat(d.condition(Condition.ABLE_TO_SCALE).reason()).isEqualTo("ScaleDownStabilized");
            assertThat(d.history().scaleDownEvents()).isEmpty();
        }

        @Test
        @DisplayName("without behavior the legacy path caps a scale-up at max(2x, 4) and stores no scale events")
        void legacy() {
            Decision d = decide(spec(1, 20, pods("qps", "1"), ""), observe(1,
                    TestPods.metricPods("qps", samples("10000"), words("ready")), Map.of()), null);

            assertThat(d.desiredReplicas()).isEqualTo(4);
            assertThat(d.condition(Condition.SCALING_LIMITED).reason()).isEqualTo("ScaleUpLimit");
            assertThat(d.history().scaleUpEvents()).isEmpty();
        }

        @Test
        @DisplayName("a given recommendation skips the metrics (what-if on behaviors)")
        void givenRecommendation() {
            Observation obs = new Observation(10, 10, List.of(), Map.of(), Map.of(), 2, Map.of());

            Decision d = decide(spec(1, 20, cpu(50), "\"behavior\": {\"scaleDown\": {\"stabilizationWindowSeconds\": 0,"
                    + " \"policies\": [{\"type\": \"Pods\", \"value\": 3, \"periodSeconds\": 60}]}}"), obs, null);

            assertThat(d.desiredReplicas()).isEqualTo(7);
            assertThat(d.reason()).isEqualTo("All metrics below target");
            assertThat(d.condition(Condition.SCALING_LIMITED).reason()).isEqualTo("ScaleDownLimit");
            assertThat(d.history().scaleDownEvents()).containsExactly(new ScaleEvent(3, NOW));
        }
    }
}
