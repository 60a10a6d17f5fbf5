package dev.ballast.autoscaler.engine;

import dev.ballast.autoscaler.engine.ReplicaCalculator.Sample;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.ballast.autoscaler.engine.TestPods.NOW;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parity with kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go: every TestReplicaCalc*
 * case, one row each, named after its Go test. Inputs are written as the Go table writes them and turned into pods the
 * way its fake clients do (prepareTestClientSet / prepareTestMetricsClient):
 * <ul>
 *   <li>max(currentReplicas, len(podPhase)) pods; each has two containers, each requesting {@code requests[i]} and
 *       using {@code levels[i]}, so a pod requests and uses twice the row's numbers (hence Go's
 *       {@code numContainersPerPod * x} raw values, written here already multiplied);</li>
 *   <li>only the first len(levels) pods have samples; levels past the pod count belong to pods the lister does not
 *       know (TestReplicaCalcSuperfluousMetrics) and only the first len(requests) pods have requests;</li>
 *   <li>pod words: {@code ready} (ConditionTrue, cool start), {@code unready} (ConditionFalse, never ready since a
 *       cool start), {@code hot} (ConditionTrue, started now, sample older than the Ready transition + window),
 *       {@code hotunready} (ConditionFalse, started now), {@code pending}, {@code failed}, {@code deleting};</li>
 *   <li>defaultTestingTolerance 0.1, defaultTestingCpuInitializationPeriod 2 min,
 *       defaultTestingDelayOfInitialReadinessStatus 10 s.</li>
 * </ul>
 */
class GoReplicaCalcParityTest {

    private static final Tolerances GO_TESTING_TOLERANCE = new Tolerances(0.1, 0.1);
    private final ReplicaCalculator calculator = new ReplicaCalculator(
            new EngineSettings(Duration.ofMinutes(2), Duration.ofSeconds(10), 0.1, Duration.ofMinutes(5)));

    /** Go's resourceInfo cases (GetResourceReplicas, CPU Utilization). Numbers per container, as in Go. */
    @ParameterizedTest(name = "{0}")
    @DisplayName("replica_calculator_test.go: Resource Utilization cases")
    @CsvSource(delimiter = '|', textBlock = """
            TestReplicaCalcScaleUp                         | 3 | 30 | 1000 1000 1000 | 300 500 700 | ready ready ready | 5 | 50 | 1000
            TestReplicaCalcScaleUpUnreadyLessScale         | 3 | 30 | 1000 1000 1000 | 300 500 700 | unready ready ready | 4 | 60 | 1200
            TestReplicaCalcScaleUpHotCpuLessScale          | 3 | 30 | 1000 1000 1000 | 300 500 700 | hot ready ready | 4 | 60 | 1200
            TestReplicaCalcScaleUpUnreadyNoScale           | 3 | 30 | 1000 1000 1000 | 400 500 700 | ready unready unready | 3 | 40 | 800
            TestReplicaCalcScaleHotCpuNoScale              | 3 | 30 | 1000 1000 1000 | 400 500 700 | ready hotunready hotunready | 3 | 40 | 800
            TestReplicaCalcScaleUpIgnoresFailedPods        | 2 | 30 | 1000 1000 1000 1000 | 500 700 | ready ready failed failed | 4 | 60 | 1200
            TestReplicaCalcScaleUpIgnoresDeletionPods      | 2 | 30 | 1000 1000 1000 1000 | 500 700 | ready ready deleting deleting | 4 | 60 | 1200
            TestReplicaCalcScaleDown                       | 5 | 50 | 1000 1000 1000 1000 1000 | 100 300 500 250 250 | ready ready ready ready ready | 3 | 28 | 560
            TestReplicaCalcScaleDownIncludeUnreadyPods     | 5 | 50 | 1000 1000 1000 1000 1000 | 100 300 500 250 250 | ready ready ready unready unready | 2 | 30 | 600
            TestReplicaCalcScaleDownExcludeUnscheduledPods | 5 | 50 | 1000 1000 1000 1000 1000 | 100 | ready pending pending pending pending | 1 | 10 | 200
            TestReplicaCalcScaleDownIgnoreHotCpuPods       | 5 | 50 | 1000 1000 1000 1000 1000 | 100 300 500 250 250 | ready ready ready hot hot | 2 | 30 | 600
            TestReplicaCalcScaleDownIgnoresFailedPods      | 5 | 50 | 1000 1000 1000 1000 1000 1000 1000 | 100 300 500 250 250 | ready ready ready ready ready failed failed | 3 | 28 | 560
            TestReplicaCalcScaleDownIgnoresDeletionPods    | 5 | 50 | 1000 1000 1000 1000 1000 1000 1000 | 100 300 500 250 250 | ready ready ready ready ready deleting deleting | 3 | 28 | 560
            TestReplicaCalcTolerance                       | 3 | 100 | 900 1000 1100 | 1010 1030 1020 | ready ready ready | 3 | 102 | 2040
            TestReplicaCalcSuperfluousMetrics              | 4 | 100 | 1000 1000 1000 1000 | 4000 9500 3000 7000 3200 2000 | ready ready ready ready | 24 | 587 | 11750
            TestReplicaCalcMissingMetrics                  | 4 | 100 | 1000 1000 1000 1000 | 400 95 | ready ready ready ready | 3 | 24 | 495
            TestReplicaCalcMissingMetricsNoChangeEq        | 2 | 100 | 1000 1000 | 1000 | ready ready | 2 | 100 | 2000
            TestReplicaCalcMissingMetricsNoChangeGt        | 2 | 100 | 1000 1000 | 1900 | ready ready | 2 | 190 | 3800
            TestReplicaCalcMissingMetricsNoChangeLt        | 2 | 100 | 1000 1000 | 600 | ready ready | 2 | 60 | 1200
            TestReplicaCalcMissingMetricsUnreadyChange     | 3 | 50 | 1000 1000 1000 | 100 450 | unready ready ready | 3 | 45 | 900
            TestReplicaCalcMissingMetricsHotCpuNoChange    | 3 | 50 | 1000 1000 1000 | 100 450 | hot ready ready | 3 | 45 | 900
            TestReplicaCalcMissingMetricsUnreadyScaleUp    | 3 | 50 | 1000 1000 1000 | 100 2000 | unready ready ready | 4 | 200 | 4000
            TestReplicaCalcMissingMetricsHotCpuScaleUp     | 3 | 50 | 1000 1000 1000 | 100 2000 | hotunready ready ready | 4 | 200 | 4000
            TestReplicaCalcMissingMetricsUnreadyScaleDown  | 4 | 50 | 1000 1000 1000 1000 | 100 100 100 | unready ready ready ready | 3 | 10 | 200
            TestReplicaCalcComputedToleranceAlgImplementation (breach: target int32(56.55)) | 10 | 56 | 400 200 310 290 302 298 301 299 300 300 | 150 150 150 150 150 150 150 150 150 150 | ready ready ready ready ready ready ready ready ready ready | 9 | 50 | 300
            TestReplicaCalcComputedToleranceAlgImplementation (within: target int32(55.95)) | 10 | 55 | 400 200 310 290 302 298 301 299 300 300 | 150 150 150 150 150 150 150 150 150 150 | ready ready ready ready ready ready ready ready ready ready | 10 | 50 | 300
            """)
    void resourceUtilization(String goTest, int current, int targetUtilization, String requests, String levels,
                             String states, int expectedReplicas, int expectedUtilization, long expectedRawValue) {
        GoFixture fixture = GoFixture.resource(current, numbers(requests), numbers(levels), words(states));

        Proposal p = calculator.resourceUtilization(fixture.pods, fixture.unlisted, Sample.RESOURCE, "cpu", null,
                current, targetUtilization, GO_TESTING_TOLERANCE, NOW);

        assertUtilization(p, expectedReplicas, expectedUtilization, expectedRawValue);
    }

    /**
     * The ContainerResource rows of the table-driven TestReplicaCalcResourceScale (newer replica_calculator_test.go):
     * two containers per pod, each requesting 1 CPU; {@code levels} are the named container's usage ("-": no sample
     * for it), the other container uses 1 CPU so that a pod-level sum would give a different answer.
     */
    @ParameterizedTest(name = "TestReplicaCalcResourceScale/{0}")
    @DisplayName("replica_calculator_test.go: ContainerResource Utilization cases")
    @CsvSource(delimiter = '|', textBlock = """
            scale up: container metric                                   | 3 | 30 | container2 | ready ready ready | 300 500 700 | 5 | 50 | 500
            scale up: hot-CPU container scales less                      | 3 | 30 | container2 | hot ready ready | 300 500 700 | 4 | 60 | 600
            scale up: failed pods ignored with missing container metric  | 2 | 30 | container2 | ready ready failed failed | 500 700 - - | 4 | 60 | 600
            scale up: container metrics with pods being deleted ignored  | 2 | 30 | container1 | ready ready deleting deleting | 500 700 - - | 4 | 60 | 600
            scale down: container metric                                 | 5 | 50 | container2 | ready ready ready ready ready | 100 300 500 250 250 | 3 | 28 | 280
            scale down: container metric excludes unready pods           | 5 | 50 | container2 | ready ready ready unready unready | 100 300 500 250 250 | 2 | 30 | 300
            scale down: container metric excludes unscheduled pods       | 5 | 50 | container2 | ready pending pending pending pending | 100 300 500 250 250 | 1 | 10 | 100
            scale down: container metric ignores hot-CPU pods            | 5 | 50 | container2 | ready ready ready hot hot | 100 300 500 1000 1000 | 2 | 30 | 300
            scale down: container metric with failed pods ignored        | 5 | 50 | container2 | ready ready ready ready ready failed failed | 100 300 500 250 250 - - | 3 | 28 | 280
            """)
    void containerResourceUtilization(String goCase, int current, int targetUtilization, String container,
                                      String states, String levels, int expectedReplicas, int expectedUtilization,
                                      long expectedRawValue) {
        String[] podStates = words(states);
        Long[] samples = numbers(levels);
        String other = container.equals("container1") ? "container2" : "container1";
        List<PodState> pods = new ArrayList<>();
        for (int i = 0; i < podStates.length; i++) {
            Map<String, Long> usage = i < samples.length && samples[i] != null ? Map.of("cpu", samples[i]) : Map.of();
            Map<String, PodState.ContainerState> containers = Map.of(
                    container, new PodState.ContainerState(Map.of("cpu", 1000L), usage),
                    other, new PodState.ContainerState(Map.of("cpu", 1000L), Map.of("cpu", 1000L)));
            PodState base = GoFixture.pod("test-pod-" + i, podStates[i], Map.of("cpu", 2000L), Map.of(), Map.of());
            pods.add(new PodState(base.name(), base.phase(), base.ready(), base.deleting(), base.startTime(),
                    base.readyTransitionTime(), base.usageTimestamp(), base.usageWindowSeconds(), base.requestsMilli(),
                    base.usageMilli(), base.metricsMilli(), containers));
        }

        Proposal p = calculator.resourceUtilization(pods, Sample.CONTAINER_RESOURCE, "cpu", container, current,
                targetUtilization, GO_TESTING_TOLERANCE, NOW);

        assertUtilization(p, expectedReplicas, expectedUtilization, expectedRawValue);
    }

    /** Go's resourceInfo cases that expect an error; the message is the one Go asserts with assert.Contains. */
    @ParameterizedTest(name = "{0}")
    @DisplayName("replica_calculator_test.go: Resource Utilization error cases")
    @CsvSource(delimiter = '|', textBlock = """
            TestReplicaCalcDisjointResourcesMetrics | 1 | 1000 | 100 | ready | an-older-pod-name | no metrics returned matched known pods
            TestReplicaCalcEmptyCPURequest          | 1 | -    | 200 | ready |                   | missing request for
            """)
    void resourceUtilizationErrors(String goTest, int current, String requests, String levels, String states,
                                   String sampleOnlyForPod, String expectedError) {
        GoFixture fixture = sampleOnlyForPod == null
                ? GoFixture.resource(current, numbers(requests), numbers(levels), words(states))
                // the metrics API answers for a pod name the lister does not know: an unlisted sample
                : GoFixture.resource(current, numbers(requests), new Long[0], words(states)).withUnlisted(numbers(levels));

        Proposal p = calculator.resourceUtilization(fixture.pods, fixture.unlisted, Sample.RESOURCE, "cpu", null,
                current, 100, GO_TESTING_TOLERANCE, NOW);

        assertThat(p.error()).as("error").contains(expectedError);
        assertThat(p.failureReason()).isEqualTo("FailedGetResourceMetric");
    }

    /**
     * TestReplicaCalcEmptyMetrics: Go fails in the metrics client ("no metrics returned from resource metrics API"),
     * before the calculator; in Ballast the runtime reports that fetch error, and pods without any sample reaching the
     * engine fail the same metric (no proposal, FailedGetResourceMetric).
     */
    @ParameterizedTest(name = "{0}")
    @DisplayName("replica_calculator_test.go: no resource samples at all is an error, never zero load")
    @CsvSource(delimiter = '|', textBlock = """
            TestReplicaCalcEmptyMetrics | 4 | 1000 1000 1000 | ready ready ready ready
            """)
    void emptyMetrics(String goTest, int current, String requests, String states) {
        GoFixture fixture = GoFixture.resource(current, numbers(requests), new Long[0], words(states));

        Proposal p = calculator.resourceUtilization(fixture.pods, fixture.unlisted, Sample.RESOURCE, "cpu", null,
                current, 100, GO_TESTING_TOLERANCE, NOW);

        assertThat(p.ok()).isFalse();
        assertThat(p.failureReason()).isEqualTo("FailedGetResourceMetric");
    }

    /**
     * Go's metricInfo cases. {@code kind}: podMetric (GetMetricReplicas), objectMetric (GetObjectMetricReplicas),
     * objectPerPodMetric, externalMetric (levels summed), externalPerPodMetric. Levels are milli-units as in Go.
     * {@code expected} is Go's expectedUtilization: the average (pods), the value (object/external) or the per-pod
     * value rounded up (per-pod kinds).
     */
    @ParameterizedTest(name = "{0}")
    @DisplayName("replica_calculator_test.go: Pods, Object and External cases")
    @CsvSource(delimiter = '|', textBlock = """
            TestReplicaCalcScaleUpCM                                | podMetric            | 3 | 15000 | 20000 10000 30000 | ready ready ready | 4 | 20000
            TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale        | podMetric            | 3 | 15000 | 50000 10000 30000 | ready ready hotunready | 6 | 30000
            TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown| podMetric            | 3 | 15000 | 50000 15000 30000 | hotunready ready hotunready | 7 | 31666
            TestReplicaCalcScaleUpCMExternal                        | podMetric            | 1 | 4400  | 8600              | ready | 2 | 8600
            TestReplicaCalcScaleUpCMExternalNoLabels                | podMetric            | 1 | 4400  | 8600              | ready | 2 | 8600
            TestReplicaCalcScaleDownCM                              | podMetric            | 5 | 20000 | 12000 12000 12000 12000 12000 | ready ready ready ready ready | 3 | 12000
            TestReplicaCalcToleranceCM                              | podMetric            | 3 | 20000 | 20000 21000 21000 | ready ready ready | 3 | 20666
            TestReplicaCalcScaleUpCMObject                          | objectMetric         | 3 | 15000 | 20000 | ready ready ready | 4 | 20000
            TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods        | objectMetric         | 3 | 10000 | 50000 | unready ready unready | 5 | 50000
            TestReplicaCalcScaleDownCMObject                        | objectMetric         | 5 | 20000 | 12000 | ready ready ready ready ready | 3 | 12000
            TestReplicaCalcToleranceCMObject                        | objectMetric         | 3 | 20000 | 20666 | ready ready ready | 3 | 20666
            TestReplicaCalcScaleUpCMPerPodObject                    | objectPerPodMetric   | 3 | 5000  | 20000 | ready ready ready | 4 | 6667
            TestReplicaCalcScaleDownPerPodCMObject                  | objectPerPodMetric   | 5 | 2000  | 6000  | ready ready ready ready ready | 3 | 1200
            TestReplicaCalcTolerancePerPodCMObject                  | objectPerPodMetric   | 4 | 5000  | 20166 | ready ready ready ready | 4 | 5042
            TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods      | externalMetric       | 3 | 4400  | 8600  | unready ready unready | 2 | 8600
            TestReplicaCalcScaleDownCMExternal                      | externalMetric       | 5 | 14334 | 8600  | ready ready ready ready ready | 3 | 8600
            TestReplicaCalcToleranceCMExternal                      | externalMetric       | 3 | 8888  | 8600  | ready ready ready | 3 | 8600
            TestReplicaCalcScaleUpPerPodCMExternal                  | externalPerPodMetric | 3 | 2150  | 8600  | ready ready ready | 4 | 2867
            TestReplicaCalcScaleDownPerPodCMExternal                | externalPerPodMetric | 5 | 2867  | 8600  | ready ready ready ready ready | 3 | 1720
            TestReplicaCalcTolerancePerPodCMExternal                | externalPerPodMetric | 3 | 2900  | 8600  | ready ready ready | 3 | 2867
            """)
    void customMetrics(String goTest, String kind, int current, long target, String levels, String states,
                       int expectedReplicas, long expected) {
        Reported r = customMetric(kind, current, target, numbers(levels), words(states), GO_TESTING_TOLERANCE);

        assertThat(r.proposal().error()).as("error").isNull();
        assertThat(r.proposal().replicas()).as("replicas").isEqualTo(expectedReplicas);
        assertThat(r.value()).as("Go's expectedUtilization").isEqualTo(expected);
    }

    /**
     * Rows of the newer table-driven TestReplicaCalcResourceTolerance (per-direction tolerances, Kubernetes 1.33+):
     * tolerance columns are Go's Tolerances{scaleDown, scaleUp}; requests 0.9/1.0/1.1 CPU per container.
     */
    @ParameterizedTest(name = "TestReplicaCalcResourceTolerance/{0}")
    @DisplayName("replica_calculator_test.go: configurable tolerances on a Resource metric")
    @CsvSource(delimiter = '|', textBlock = """
            within default tolerance                                        | 0.1  | 0.1  | 1010 1030 1020 | 3 | 102 | 2040
            outside 0% tolerance                                            | 0    | 0    | 909 1010 1111  | 4 | 101 | 2020
            within 200% scale-up tolerance                                  | 0.1  | 2    | 1890 1910 1900 | 3 | 190 | 3800
            outside 8% scale-up tolerance (superfluous scale-down tolerance) | 2   | 0.08 | 1100 1080 1090 | 4 | 109 | 2180
            within 36% scale-down tolerance                                 | 0.36 | 0.1  | 660 640 650    | 3 | 65  | 1300
            outside 34% scale-down tolerance                                | 0.34 | 0.1  | 660 640 650    | 2 | 65  | 1300
            """)
    void resourceTolerance(String goCase, double down, double up, String levels, int expectedReplicas,
                           int expectedUtilization, long expectedRawValue) {
        GoFixture fixture = GoFixture.resource(3, numbers("900 1000 1100"), numbers(levels), words("ready ready ready"));

        Proposal p = calculator.resourceUtilization(fixture.pods, fixture.unlisted, Sample.RESOURCE, "cpu", null, 3, 100,
                new Tolerances(down, up), NOW);

        assertUtilization(p, expectedReplicas, expectedUtilization, expectedRawValue);
    }

    /**
     * Rows of the newer TestReplicaCalcPodMetric, TestReplicaCalcObjectMetric, TestReplicaCalcObjectPerPodMetric,
     * TestReplicaCalcExternalMetric and TestReplicaCalcExternalPerPodMetric that the older file did not have:
     * configurable tolerances, missing samples, a surge pod without a sample, and int64/int32 saturation
     * ({@code MAX} = math.MaxInt64). External levels are given already summed: Go's metrics client caps the sum at
     * MaxInt64 ("usage overflow caps at MaxInt64"); in Ballast the source hands the engine one value per metric.
     */
    @ParameterizedTest(name = "{0}")
    @DisplayName("replica_calculator_test.go (table-driven): tolerances, missing samples and saturation")
    @CsvSource(delimiter = '|', textBlock = """
            TestReplicaCalcPodMetric/outside configurable 1% tolerance                      | podMetric            | 3 | 20000 | 20000 21000 21000 | ready ready ready | 0.1 | 0.01 | 4 | 20666
            TestReplicaCalcPodMetric/no change: missing metrics                             | podMetric            | 5 | 20000 | 20000 19000 21000 | ready ready ready ready ready | 0.1 | 0.1 | 5 | 20000
            TestReplicaCalcPodMetric/rolling update with maxSurge: extra pod missing metric | podMetric            | 2 | 17000 | 10000 10000       | ready ready ready | 0.1 | 0.1 | 2 | 10000
            TestReplicaCalcObjectMetric/scale up: very large metric saturates replicas to MaxInt32 | objectMetric  | 3 | 1     | MAX               | ready ready ready | 0.1 | 0.1 | 2147483647 | 9223372036854775807
            TestReplicaCalcObjectMetric/outside configurable 1% tolerance                   | objectMetric         | 3 | 20000 | 20666             | ready ready ready | 0.1 | 0.01 | 4 | 20666
            TestReplicaCalcObjectPerPodMetric/outside configurable 1% tolerance             | objectPerPodMetric   | 4 | 5000  | 20208             | ready ready ready ready | 0.1 | 0.01 | 5 | 5052
            TestReplicaCalcExternalMetric/outside configurable 1% tolerance                 | externalMetric       | 3 | 8800  | 8900              | ready ready ready | 0.1 | 0.01 | 4 | 8900
            TestReplicaCalcExternalMetric/usage overflow caps at MaxInt64                   | externalMetric       | 3 | MAX   | MAX               | ready ready ready | 0.1 | 0.1 | 3 | 9223372036854775807
            TestReplicaCalcExternalPerPodMetric/replica count overflow saturates to MaxInt32 | externalPerPodMetric | 1 | 1     | MAX               | ready | 0.1 | 0.1 | 2147483647 | 9223372036854775807
            TestReplicaCalcExternalPerPodMetric/usage overflow with huge target leaves replicas unchanged | externalPerPodMetric | 1 | MAX | MAX | ready | 0.1 | 0.1 | 1 | 9223372036854775807
            TestReplicaCalcExternalPerPodMetric/outside configurable 1% tolerance           | externalPerPodMetric | 3 | 2800  | 8600              | ready ready ready | 0.1 | 0.01 | 4 | 2867
            """)
    void newerCustomMetricRows(String goCase, String kind, int current, String target, String levels, String states,
                               double down, double up, int expectedReplicas, long expected) {
        long targetMilli = target.equals("MAX") ? Long.MAX_VALUE : Long.parseLong(target);
        String[] parts = levels.trim().split("\\s+");
        Long[] values = new Long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            values[i] = parts[i].equals("MAX") ? Long.MAX_VALUE : Long.parseLong(parts[i]);
        }
        Reported r = customMetric(kind, current, targetMilli, values, words(states), new Tolerances(down, up));

        assertThat(r.proposal().error()).as("error").isNull();
        assertThat(r.proposal().replicas()).as("replicas").isEqualTo(expectedReplicas);
        assertThat(r.value()).as("Go's expectedUsage").isEqualTo(expected);
    }

    /**
     * TestGroupPods, one row per Go case. Pods as {@code name,phase,ready,startAgo,transitionAgo,sampleAgo,window}
     * separated by {@code ;} (seconds before now; ready T/F or {@code -} for no Ready condition; startAgo {@code -}
     * for no start time; sampleAgo {@code -} for no sample, {@code z} for Go's zero timestamp). The older Go file
     * named the unready set "ignored"; Ballast's UNREADY is that set (Pending pods included, as newer Go does).
     */
    @ParameterizedTest(name = "TestGroupPods/{0}")
    @DisplayName("replica_calculator_test.go TestGroupPods: ready, unready and missing pods")
    @CsvSource(delimiter = '|', textBlock = """
            void                                                                      | cpu    |                                                         | 0 | -         | -
            count in a ready pod - memory                                             | memory | bentham,Succeeded,-,-,-,0,60                             | 1 | -         | -
            ignore a pod without ready condition - CPU                                | cpu    | lucretius,Succeeded,-,0,-,z,0                            | 0 | lucretius | -
            count in a ready pod with fresh metrics during initialization period - CPU | cpu   | bentham,Succeeded,T,60,30,0,30                           | 1 | -         | -
            ignore a ready pod without fresh metrics during initialization period - CPU | cpu  | bentham,Succeeded,T,60,30,0,60                           | 0 | bentham   | -
            ignore an unready pod during initialization period - CPU                  | cpu    | lucretius,Succeeded,F,600,594,z,0                        | 0 | lucretius | -
            count in a ready pod without fresh metrics after initialization period - CPU | cpu | bentham,Succeeded,T,180,180,120,60                       | 1 | -         | -
            count in an unready pod that was ready after initialization period - CPU  | cpu    | lucretius,Succeeded,F,600,540,z,0                        | 1 | -         | -
            ignore pod that has never been ready after initialization period - CPU    | cpu    | lucretius,Succeeded,F,600,590,z,0                        | 1 | -         | -
            a missing pod                                                             | cpu    | epicurus,Succeeded,-,180,-,-,0                           | 0 | -         | epicurus
            several pods                                                              | cpu    | lucretius,Succeeded,-,0,-,z,0;niccolo,Succeeded,T,180,180,z,0;epicurus,Succeeded,-,180,-,-,0 | 1 | lucretius | epicurus
            pending pods are ignored                                                  | cpu    | unscheduled,Pending,-,-,-,-,0                            | 0 | unscheduled | -
            """)
    void groupPods(String goCase, String resource, String podSpecs, int expectedReady, String expectedUnready,
                   String expectedMissing) {
        List<PodState> pods = new ArrayList<>();
        if (podSpecs != null) {
            for (String spec : podSpecs.split(";")) {
                String[] f = spec.split(",");
                Boolean ready = f[2].equals("-") ? null : f[2].equals("T");
                java.time.Instant start = f[3].equals("-") ? null : NOW.minusSeconds(Long.parseLong(f[3]));
                java.time.Instant transition = f[4].equals("-") ? null : NOW.minusSeconds(Long.parseLong(f[4]));
                Map<String, Long> usage = f[5].equals("-") ? Map.of() : Map.of(resource, 1L);
                // Go's zero time.Time, the timestamp of a sample built without one
                java.time.Instant sampled = f[5].equals("-") || f[5].equals("z")
                        ? java.time.Instant.parse("0001-01-01T00:00:00Z") : NOW.minusSeconds(Long.parseLong(f[5]));
                pods.add(new PodState(f[0], PodPhase.valueOf(f[1].toUpperCase()), ready, false, start,
                        transition == null ? start : transition, sampled, Long.parseLong(f[6]), Map.of(resource, 1000L),
                        usage, Map.of(), null));
            }
        }
        long[] values = new long[pods.size()];
        byte[] group = new byte[pods.size()];

        int readyPodCount = calculator.groupPods(pods, Sample.RESOURCE, resource, null, NOW, values, group);

        List<String> unready = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < pods.size(); i++) {
            if (group[i] == ReplicaCalculator.UNREADY) {
                unready.add(pods.get(i).name());
            } else if (group[i] == ReplicaCalculator.MISSING) {
                missing.add(pods.get(i).name());
            }
        }
        assertThat(readyPodCount).as("readyPodCount").isEqualTo(expectedReady);
        assertThat(unready).as("unready pods").containsExactlyElementsOf(names(expectedUnready));
        assertThat(missing).as("missing pods").containsExactlyElementsOf(names(expectedMissing));
    }

    private static List<String> names(String text) {
        return text.equals("-") ? List.of() : List.of(text.trim().split("\\s+"));
    }

    /** What Go's assertResourceReplicas checks: no error, replicas, utilization and raw value. */
    private static void assertUtilization(Proposal p, int replicas, int utilization, long rawValue) {
        assertThat(p.error()).as("error").isNull();
        assertThat(p.replicas()).as("replicas").isEqualTo(replicas);
        assertThat(p.utilization()).as("utilization").isEqualTo(utilization);
        assertThat(p.averageMilli()).as("raw value").isEqualTo(rawValue);
    }

    /** A proposal and the usage Go's test asserts for it (expectedUtilization / expectedUsage). */
    private record Reported(Proposal proposal, long value) {
    }

    /**
     * Runs one Go metricInfo case: podMetric (GetMetricReplicas over per-pod samples), objectMetric / externalMetric
     * (Value over the Running-and-Ready pods), objectPerPodMetric / externalPerPodMetric (AverageValue).
     */
    private Reported customMetric(String kind, int current, long targetMilli, Long[] values, String[] podStates,
                                  Tolerances tolerances) {
        switch (kind) {
            case "podMetric" -> {
                List<PodState> pods = new ArrayList<>();
                for (int i = 0; i < podStates.length; i++) {
                    Map<String, Long> sample = i < values.length ? Map.of("qps", values[i]) : Map.of();
                    pods.add(GoFixture.pod("test-pod-" + i, podStates[i], Map.of(), Map.of(), sample));
                }
                Proposal p = calculator.plainMetric(pods, Sample.PODS_METRIC, "qps", null, current, targetMilli, tolerances, NOW);
                return new Reported(p, p.averageMilli());
            }
            case "objectMetric", "externalMetric" -> {
                List<PodState> pods = new ArrayList<>();
                for (int i = 0; i < podStates.length; i++) {
                    pods.add(GoFixture.pod("test-pod-" + i, podStates[i], Map.of(), Map.of(), Map.of()));
                }
                long usage = Arrays.stream(values).mapToLong(Long::longValue).sum();
                Proposal p = calculator.value(pods, usage, targetMilli, current, tolerances);
                return new Reported(p, p.valueMilli());
            }
            case "objectPerPodMetric", "externalPerPodMetric" -> {
                long usage = Arrays.stream(values).mapToLong(Long::longValue).sum();
                Proposal p = calculator.averageValue(usage, targetMilli, current, tolerances);
                return new Reported(p, p.averageMilli());
            }
            default -> throw new IllegalArgumentException(kind);
        }
    }

    /** The pods and unlisted samples Go's fake pod lister and metrics client would produce for one case. */
    private record GoFixture(List<PodState> pods, long[] unlisted) {

        private static final int CONTAINERS_PER_POD = 2;

        static GoFixture resource(int currentReplicas, Long[] requests, Long[] levels, String[] states) {
            int podCount = Math.max(currentReplicas, states.length);
            List<PodState> pods = new ArrayList<>();
            for (int i = 0; i < podCount; i++) {
                Map<String, Long> request = i < requests.length ? Map.of("cpu", CONTAINERS_PER_POD * requests[i]) : Map.of();
                Map<String, Long> usage = new HashMap<>();
                if (i < levels.length) {
                    usage.put("cpu", CONTAINERS_PER_POD * levels[i]);
                }
                pods.add(pod("test-pod-" + i, i < states.length ? states[i] : "ready", request, usage, Map.of()));
            }
            long[] unlisted = new long[Math.max(0, levels.length - podCount)];
            for (int i = podCount; i < levels.length; i++) {
                unlisted[i - podCount] = CONTAINERS_PER_POD * levels[i];
            }
            return new GoFixture(pods, unlisted);
        }

        GoFixture withUnlisted(Long[] levels) {
            long[] extra = new long[levels.length];
            for (int i = 0; i < levels.length; i++) {
                extra[i] = CONTAINERS_PER_POD * levels[i];
            }
            return new GoFixture(pods, extra);
        }

        static PodState pod(String name, String state, Map<String, Long> requests, Map<String, Long> usage,
                            Map<String, Long> metrics) {
            if (state.equals("hotunready")) {
                // hotCpuCreationTime with Ready=False: inside the CPU initialization period and not ready
                return new PodState(name, PodPhase.RUNNING, false, false, NOW, NOW, NOW, 60, requests, usage, metrics, null);
            }
            return TestPods.pod(name, state, requests, usage, metrics);
        }
    }

    private static Long[] numbers(String text) {
        if (text == null || text.isBlank() || text.equals("-")) {
            return new Long[0];
        }
        return TestPods.samples(text);
    }

    private static String[] words(String text) {
        return TestPods.words(text);
    }
}
