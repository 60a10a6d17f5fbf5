package dev.ballast.autoscaler.engine;

import dev.ballast.autoscaler.engine.ReplicaCalculator.Sample;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.ballast.autoscaler.engine.TestPods.NOW;
import static dev.ballast.autoscaler.engine.TestPods.longs;
import static dev.ballast.autoscaler.engine.TestPods.samples;
import static dev.ballast.autoscaler.engine.TestPods.words;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-metric formulas of replica_calculator.go, as tables of numbers in and numbers out. Rows marked R/P/E are the
 * worked examples of shared/research/autoscaler-anchors.md §2; the others were derived by hand from §1.3.
 * Test constants as in replica_calculator_test.go: CPU initialization 2 min, initial readiness delay 10 s.
 */
class ReplicaCalculatorTest {

    private static final Tolerances DEFAULT = new Tolerances(0.1, 0.1);
    private final ReplicaCalculator calculator = new ReplicaCalculator(
            new EngineSettings(Duration.ofMinutes(2), Duration.ofSeconds(10), 0.1, Duration.ofMinutes(5)));

    @ParameterizedTest(name = "{0}")
    @DisplayName("Resource metric with a Utilization target")
    @CsvSource(delimiter = '|', textBlock = """
            R1 scale up                                  | 3 | 30  | 1000 1000 1000           | 300 500 700         | ready ready ready                 | 5 | 50  | 500
            R2 unready pod counts as zero on scale up    | 3 | 30  | 1000 1000 1000           | 300 500 700         | unready ready ready               | 4 | 60  | 600
            hot CPU pod counts as zero on scale up       | 3 | 30  | 1000 1000 1000           | 300 500 700         | hot ready ready                   | 4 | 60  | 600
            failed pod is ignored                        | 4 | 30  | 1000 1000 1000 1000      | 300 500 700 8000    | ready ready ready failed          | 5 | 50  | 500
            deleting pod is ignored                      | 4 | 30  | 1000 1000 1000 1000      | 300 500 700 8000    | ready ready ready deleting        | 5 | 50  | 500
            pending pod counts as zero on scale up       | 3 | 30  | 1000 1000 1000           | 300 500 700         | pending ready ready               | 4 | 60  | 600
            R7 scale down                                | 5 | 50  | 1000 1000 1000 1000 1000 | 100 300 500 250 250 | ready ready ready ready ready     | 3 | 28  | 280
            R8 unready pods are not filled on scale down | 5 | 50  | 1000 1000 1000 1000 1000 | 100 300 500 250 250 | ready ready ready unready unready | 2 | 30  | 300
            hot CPU pods are left out on scale down      | 5 | 50  | 1000 1000 1000 1000 1000 | 100 300 500 250 250 | ready ready ready hot hot         | 2 | 30  | 300
            within tolerance keeps current               | 3 | 100 | 900 1000 1100            | 1010 1030 1020      | ready ready ready                 | 3 | 102 | 1020
            utilization is truncated (99.9% reads 99%)   | 3 | 90  | 1000 1000 1000           | 999 999 999         | ready ready ready                 | 3 | 99  | 999
            missing pods as zero on scale up             | 4 | 50  | 1000 1000 1000 1000      | 1500 1500 - -       | ready ready ready ready           | 6 | 150 | 1500
            missing pods flip direction keeps current    | 4 | 50  | 1000 1000 1000 1000      | 400 95 - -          | ready ready ready ready           | 4 | 24  | 247
            missing pods at target above 100% on scale down | 4 | 150 | 1000 1000 1000 1000   | 100 100 - -         | ready ready ready ready           | 3 | 10  | 100
            scale up on ready pods only, not current     | 5 | 50  | 1000 1000 1000 1000 1000 | 1000 1000 1000 1000 1000 | ready ready ready ready failed | 8 | 100 | 1000
            filled count would scale up on a scale-down: keep current | 2 | 200 | 1000 1000 1000 1000 | 100 100 - - | ready ready ready ready | 2 | 10 | 100
            """)
    void resourceUtilization(String scenario, int current, int targetPercent, String requests, String usage, String states,
                             int expectedReplicas, int expectedUtilization, long expectedRawAverage) {
        List<PodState> pods = TestPods.resourcePods("cpu", longs(requests), samples(usage), words(states));

        Proposal p = calculator.resourceUtilization(pods, Sample.RESOURCE, "cpu", null, current, targetPercent, DEFAULT, NOW);

        assertThat(p.error()).isNull();
        assertThat(p.replicas()).as("replicas").isEqualTo(expectedReplicas);
        assertThat(p.utilization()).as("utilization").isEqualTo(expectedUtilization);
        assertThat(p.averageMilli()).as("raw average").isEqualTo(expectedRawAverage);
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("Pods metric and Resource AverageValue (calcPlainMetricReplicas)")
    @CsvSource(delimiter = '|', textBlock = """
            P1 scale up                                    | pods | 3 | 15000 | 20000 10000 30000 | ready ready ready       | 4 | 20000
            P2 Ready=False does not matter for non-CPU     | pods | 3 | 15000 | 50000 10000 30000 | unready ready unready   | 6 | 30000
            pending pod counts as zero on scale up         | pods | 3 | 15000 | 30000 30000 -     | ready ready pending     | 4 | 30000
            average is truncated to milli-units            | pods | 3 | 10000 | 20000 21000 21000 | ready ready ready       | 7 | 20666
            scale down                                     | pods | 4 | 10000 | 2000 4000 3000 3000 | ready ready ready ready | 2 | 3000
            missing pods count as the target on scale down | pods | 4 | 10000 | 2000 2000 - -     | ready ready ready ready | 3 | 2000
            missing pods as zero on scale up               | pods | 4 | 10000 | 30000 30000 - -   | ready ready ready ready | 6 | 30000
            upper tolerance edge is inclusive              | pods | 4 | 1000  | 1100 1100 1100 1100 | ready ready ready ready | 4 | 1100
            just above the upper edge scales               | pods | 4 | 1000  | 1101 1101 1101 1101 | ready ready ready ready | 5 | 1101
            lower tolerance edge is inclusive              | pods | 4 | 1000  | 900 900 900 900   | ready ready ready ready | 4 | 900
            cpu AverageValue scale up                      | cpu  | 3 | 500   | 600 800 1000      | ready ready ready       | 5 | 800
            cpu AverageValue leaves out unready on scale down | cpu | 4 | 500 | 100 200 900 900  | ready ready unready unready | 1 | 150
            filled count would scale up on a scale-down: keep current | pods | 2 | 10000 | 1000 1000 - - | ready ready ready ready | 2 | 1000
            filled count would scale down on a scale-up: keep current | pods | 10 | 1000 | 3000 3000 - | ready ready pending   | 10 | 3000
            """)
    void plainMetric(String scenario, String kind, int current, long target, String values, String states,
                     int expectedReplicas, long expectedUsage) {
        Proposal p;
        if (kind.equals("pods")) {
            p = calculator.plainMetric(TestPods.metricPods("qps", samples(values), words(states)), Sample.PODS_METRIC,
                    "qps", null, current, target, DEFAULT, NOW);
        } else {
            Long[] use = samples(values);
            long[] requests = new long[use.length];
            java.util.Arrays.fill(requests, 1000);
            p = calculator.plainMetric(TestPods.resourcePods("cpu", requests, use, words(states)), Sample.RESOURCE,
                    "cpu", null, current, target, DEFAULT, NOW);
        }

        assertThat(p.error()).isNull();
        assertThat(p.replicas()).as("replicas").isEqualTo(expectedReplicas);
        assertThat(p.averageMilli()).as("usage").isEqualTo(expectedUsage);
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("Object/External metric with a Value target (getUsageRatioReplicaCount)")
    @CsvSource(delimiter = '|', textBlock = """
            E1 ignores unready pods: ready count is the multiplier | 3 | ready unready unready | 8600 | 4400 | 2
            all ready                                           | 3 | ready ready ready     | 8600 | 4400 | 6
            within tolerance keeps current                      | 3 | ready ready ready     | 4600 | 4400 | 3
            scale down                                          | 5 | ready ready ready ready ready | 1000 | 4000 | 2
            at zero replicas: ceil(ratio), no tolerance          | 0 | ready                 | 4500 | 4400 | 2
            capped at MaxInt32                                  | 1 | ready                 | 9000000000000000000 | 1 | 2147483647
            """)
    void valueTarget(String scenario, int current, String states, long value, long target, int expectedReplicas) {
        List<PodState> pods = TestPods.metricPods("x", samples(states.replaceAll("\\w+", "-")), words(states));

        Proposal p = calculator.value(pods, value, target, current, DEFAULT);

        assertThat(p.replicas()).isEqualTo(expectedReplicas);
        assertThat(p.valueMilli()).isEqualTo(value);
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("Object/External metric with an AverageValue target: ceil(usage / target) from statusReplicas")
    @CsvSource(delimiter = '|', textBlock = """
            within tolerance of status replicas keeps them | 3 | 8600 | 2900 | 3 | 2867
            scale up                                       | 3 | 8600 | 1000 | 9 | 2867
            scale down                                     | 10 | 8600 | 2000 | 5 | 860
            KEDA queue 20 with target 5                     | 1 | 20000 | 5000 | 4 | 20000
            """)
    void averageValueTarget(String scenario, int statusReplicas, long value, long target, int expectedReplicas,
                            long expectedPerPod) {
        Proposal p = calculator.averageValue(value, target, statusReplicas, DEFAULT);

        assertThat(p.replicas()).isEqualTo(expectedReplicas);
        assertThat(p.averageMilli()).isEqualTo(expectedPerPod);
    }

    @ParameterizedTest(name = "tolerances down={0} up={1}: {4}")
    @DisplayName("Per-direction tolerances (KEP-4951)")
    @CsvSource(delimiter = '|', textBlock = """
            0.1  | 0.1  | 1050 | 4 | 4
            0.1  | 0.01 | 1050 | 4 | 5
            0.1  | 0.01 | 950  | 4 | 4
            0.01 | 0.1  | 950  | 4 | 4
            0.0  | 0.1  | 950  | 4 | 4
            """)
    void configurableTolerance(double down, double up, long average, int current, int expected) {
        List<PodState> pods = TestPods.metricPods("qps", samples("%d %d %d %d".formatted(average, average, average, average)),
                words("ready ready ready ready"));

        Proposal p = calculator.plainMetric(pods, Sample.PODS_METRIC, "qps", null, current, 1000, new Tolerances(down, up), NOW);

        assertThat(p.replicas()).isEqualTo(expected);
    }

    @Test
    @DisplayName("a pod without a request for the resource fails the metric, naming the pod")
    void missingRequest() {
        List<PodState> pods = List.of(
                TestPods.pod("a", "ready", Map.of("cpu", 1000L), Map.of("cpu", 500L), Map.of()),
                TestPods.pod("b", "pending", Map.of(), Map.of(), Map.of()));

        Proposal p = calculator.resourceUtilization(pods, Sample.RESOURCE, "cpu", null, 2, 50, DEFAULT, NOW);

        assertThat(p.ok()).isFalse();
        assertThat(p.failureReason()).isEqualTo("FailedGetResourceMetric");
        assertThat(p.error()).contains("missing request for cpu in Pod b");
    }

    @Test
    @DisplayName("a sample of a pod not in the pod list stays out of the utilization but counts when the count is recomputed")
    void unlistedSampleInResourceUtilization() {
        List<PodState> pods = TestPods.resourcePods("cpu", longs("1000 1000 1000"), samples("1500 1500 -"),
                words("ready ready ready"));

        Proposal with = calculator.resourceUtilization(pods, new long[] {700}, Sample.RESOURCE, "cpu", null, 3, 50, DEFAULT, NOW);
        Proposal without = calculator.resourceUtilization(pods, Sample.RESOURCE, "cpu", null, 3, 50, DEFAULT, NOW);

        assertThat(with.utilization()).isEqualTo(150);
        assertThat(with.replicas()).isEqualTo(8);
        assertThat(without.replicas()).isEqualTo(6);
    }

    @Test
    @DisplayName("a sample of a pod not in the pod list is averaged into a Pods metric, the multiplier stays readyPodCount")
    void unlistedSampleInPodsMetric() {
        List<PodState> pods = TestPods.metricPods("qps", samples("20000 10000 30000"), words("ready ready ready"));

        Proposal p = calculator.plainMetric(pods, new long[] {40000}, Sample.PODS_METRIC, "qps", null, 3, 10000, DEFAULT, NOW);

        assertThat(p.averageMilli()).isEqualTo(25000);
        assertThat(p.replicas()).isEqualTo(8);
    }

    @Test
    @DisplayName("only samples of unlisted pods: no metrics returned matched known pods")
    void onlyUnlistedSamples() {
        List<PodState> pods = TestPods.resourcePods("cpu", longs("1000"), samples("-"), words("pending"));

        Proposal p = calculator.resourceUtilization(pods, new long[] {500}, Sample.RESOURCE, "cpu", null, 1, 50, DEFAULT, NOW);

        assertThat(p.error()).isEqualTo("no metrics returned matched known pods");
    }

    @Test
    @DisplayName("zero requests on every sampled pod fail: no metrics returned matched known pods")
    void zeroRequests() {
        List<PodState> pods = TestPods.resourcePods("cpu", longs("0 0"), samples("500 500"), words("ready ready"));

        Proposal p = calculator.resourceUtilization(pods, Sample.RESOURCE, "cpu", null, 2, 50, DEFAULT, NOW);

        assertThat(p.error()).contains("no metrics returned matched known pods");
    }

    @Test
    @DisplayName("no usable sample fails with the HPA's message instead of reading zero")
    void noSamples() {
        List<PodState> pods = TestPods.resourcePods("cpu", longs("1000 1000"), samples("500 500"), words("unready pending"));

        Proposal p = calculator.resourceUtilization(pods, Sample.RESOURCE, "cpu", null, 2, 50, DEFAULT, NOW);

        assertThat(p.error()).contains("did not receive metrics for targeted pods (pods might be unready)");
    }

    @Test
    @DisplayName("ContainerResource reads the named container's request and usage")
    void containerResource() {
        PodState.ContainerState app = new PodState.ContainerState(Map.of("cpu", 500L), Map.of("cpu", 400L));
        PodState.ContainerState sidecar = new PodState.ContainerState(Map.of("cpu", 100L), Map.of("cpu", 100L));
        PodState base = TestPods.pod("p", "ready", Map.of("cpu", 600L), Map.of("cpu", 500L), Map.of());
        PodState pod = new PodState("p", base.phase(), base.ready(), false, base.startTime(), base.readyTransitionTime(),
                base.usageTimestamp(), base.usageWindowSeconds(), base.requestsMilli(), base.usageMilli(), Map.of(),
                Map.of("app", app, "sidecar", sidecar));

        Proposal p = calculator.resourceUtilization(List.of(pod), Sample.CONTAINER_RESOURCE, "cpu", "app", 1, 40, DEFAULT, NOW);

        assertThat(p.utilization()).isEqualTo(80);
        assertThat(p.replicas()).isEqualTo(2);
    }
}
