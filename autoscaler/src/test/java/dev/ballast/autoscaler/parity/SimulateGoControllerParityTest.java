package dev.ballast.autoscaler.parity;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/**
 * Full reconciles from kubernetes horizontal_test.go (TestScaleUp*, TestScaleDown*, the one-metric-failing cases)
 * through POST /scaling/simulate, with the HPA spec, scale and pods each Go testCase builds:
 * <ul>
 *   <li>metrics: {@code cpu:30} (CPUTarget), {@code pods:qps:15}, {@code object:qps:Value:1},
 *       {@code external:qps:AverageValue:2222m}, joined with {@code +}; an Object/External value of {@code error} is a
 *       failing metrics API (the tests' PrependReactor returning "something went wrong");</li>
 *   <li>pods {@code state/cpuMilli/qps[/requestMilli]}: the pod's total CPU usage (reportedLevels, written after Go's
 *       integer halving over two containers: 95 reads 94) and request (reportedCPURequests, default 1 CPU),
 *       {@code -} for none; states ready, unready, hot, hotunready, failed, deleting as in the other parity tests;</li>
 *   <li>recommendations {@code []} = Go's {@code recommendations: []timestampedRecommendation{}}, {@code -} = nil
 *       (a fresh HPA: the current size is seeded and holds a scale-down for the 5-minute window).</li>
 * </ul>
 * Go's tests raise scaleUpLimitFactor to 8; no row here reaches Ballast's (and the HPA's) factor of 2.
 */
@QuarkusTest
class SimulateGoControllerParityTest {

    @ParameterizedTest(name = "{0}")
    @DisplayName("horizontal_test.go reconciles through the simulate API")
    @CsvSource(delimiter = '|', textBlock = """
            TestScaleUp                                 | 2 | 6 | 3 | cpu:30 | ready/300/- ready/500/- ready/700/- | - | - | 5 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleUpUnreadyLessScale                 | 2 | 6 | 3 | cpu:30 | unready/300/- ready/500/- ready/700/- | - | - | 4 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleUpHotCpuLessScale                  | 2 | 6 | 3 | cpu:30 | hot/300/- ready/500/- ready/700/- | - | - | 4 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleUpUnreadyNoScale                   | 2 | 6 | 3 | cpu:30 | ready/400/- unready/500/- unready/700/- | - | - | 3 | ReadyForNewScale | ValidMetricFound | DesiredWithinRange
            TestScaleUpHotCpuNoScale                    | 2 | 6 | 3 | cpu:30 | ready/400/- hotunready/500/- hotunready/700/- | - | - | 3 | ReadyForNewScale | ValidMetricFound | DesiredWithinRange
            TestScaleUpIgnoresFailedPods                | 2 | 6 | 2 | cpu:30 | ready/500/- ready/700/- failed/-/- failed/-/- | - | - | 4 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleUpIgnoresDeletionPods              | 2 | 6 | 2 | cpu:30 | ready/500/- ready/700/- deleting/-/- deleting/-/- | - | - | 4 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleUpDeployment                       | 2 | 6 | 3 | cpu:30 | ready/300/- ready/500/- ready/700/- | - | - | 5 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleUpCM                               | 2 | 6 | 3 | pods:qps:15 | ready/-/20 ready/-/10 ready/-/30 | - | - | 4 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleUpFromZeroIgnoresToleranceCMObject | 0 | 6 | 0 | object:qps:Value:1 |  | 1 | - | 1 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleUpPerPodCMObject                   | 2 | 6 | 3 | object:qps:AverageValue:10 | ready/-/- ready/-/- ready/-/- | 40 | - | 4 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleUpCMExternal                       | 2 | 6 | 3 | external:qps:Value:6666m | ready/-/- ready/-/- ready/-/- | 8600m | - | 4 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleUpPerPodCMExternal                 | 2 | 6 | 3 | external:qps:AverageValue:2222m | ready/-/- ready/-/- ready/-/- | 8600m | - | 4 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleDown                               | 2 | 6 | 5 | cpu:50 | ready/100/- ready/300/- ready/500/- ready/250/- ready/250/- | - | [] | 3 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleDownCM                             | 2 | 6 | 5 | pods:qps:20 | ready/-/12 ready/-/12 ready/-/12 ready/-/12 ready/-/12 | - | [] | 3 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleDownCMObject                       | 2 | 6 | 5 | object:qps:Value:20 | ready/-/- ready/-/- ready/-/- ready/-/- ready/-/- | 12 | [] | 3 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleDownToZeroCMObject                 | 0 | 6 | 5 | object:qps:Value:20 | ready/-/- ready/-/- ready/-/- ready/-/- ready/-/- | 0 | [] | 0 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleDownPerPodCMObject                 | 2 | 6 | 5 | object:qps:AverageValue:20 | ready/-/- ready/-/- ready/-/- ready/-/- ready/-/- | 60 | [] | 3 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleDownCMExternal                     | 2 | 6 | 5 | external:qps:Value:14400m | ready/-/- ready/-/- ready/-/- ready/-/- ready/-/- | 8600m | [] | 3 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleDownToZeroCMExternal               | 0 | 6 | 5 | external:qps:Value:14400m | ready/-/- ready/-/- ready/-/- ready/-/- ready/-/- | 0 | [] | 0 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleDownPerPodCMExternal               | 2 | 6 | 5 | external:qps:AverageValue:3000m | ready/-/- ready/-/- ready/-/- ready/-/- ready/-/- | 8600m | [] | 3 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleDownIncludeUnreadyPods             | 2 | 6 | 5 | cpu:50 | ready/100/- ready/300/- ready/500/- unready/250/- unready/250/- | - | [] | 2 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleDownIgnoreHotCpuPods               | 2 | 6 | 5 | cpu:50 | ready/100/- ready/300/- ready/500/- hot/250/- hot/250/- | - | [] | 2 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleDownIgnoresFailedPods              | 2 | 6 | 5 | cpu:50 | ready/100/- ready/300/- ready/500/- ready/250/- ready/250/- failed/-/- failed/-/- | - | [] | 3 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleDownIgnoresDeletionPods            | 2 | 6 | 5 | cpu:50 | ready/100/- ready/300/- ready/500/- ready/250/- ready/250/- deleting/-/- deleting/-/- | - | [] | 3 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestScaleDownStabilizeInitialSize           | 2 | 6 | 5 | cpu:50 | ready/100/- ready/300/- ready/500/- ready/250/- ready/250/- | - | - | 5 | ScaleDownStabilized | ValidMetricFound | DesiredWithinRange
            TestScaleUpOneMetricEmpty                   | 2 | 6 | 3 | cpu:30+external:qps:Value:100m | ready/300/- ready/400/- ready/500/- | error | - | 4 | SucceededRescale | ValidMetricFound | DesiredWithinRange
            TestNoScaleDownOneMetricEmpty               | 2 | 6 | 5 | cpu:50+external:qps:Value:1 | ready/100/- ready/300/- ready/500/- ready/250/- ready/250/- | error | - | 5 | SucceededGetScale | FailedGetExternalMetric | -
            TestTolerance                               | 1 | 5 | 3 | cpu:100 | ready/1010/-/900 ready/1030/-/1000 ready/1020/-/1100 | - | - | 3 | ReadyForNewScale | ValidMetricFound | DesiredWithinRange
            TestToleranceCM                             | 1 | 5 | 3 | pods:qps:20 | ready/-/20 ready/-/20.001 ready/-/21 | - | - | 3 | ReadyForNewScale | ValidMetricFound | DesiredWithinRange
            TestToleranceCMObject                       | 1 | 5 | 3 | object:qps:Value:20 | ready/-/- ready/-/- ready/-/- | 20050m | - | 3 | ReadyForNewScale | ValidMetricFound | DesiredWithinRange
            TestToleranceCMExternal                     | 2 | 6 | 4 | external:qps:Value:8666m | ready/-/- ready/-/- ready/-/- ready/-/- | 8600m | - | 4 | ReadyForNewScale | ValidMetricFound | DesiredWithinRange
            TestTolerancePerPodCMObject                 | 2 | 6 | 4 | object:qps:AverageValue:2200m | ready/-/- ready/-/- ready/-/- ready/-/- | 8600m | - | 4 | ReadyForNewScale | ValidMetricFound | DesiredWithinRange
            TestTolerancePerPodCMExternal               | 2 | 6 | 4 | external:qps:AverageValue:2200m | ready/-/- ready/-/- ready/-/- ready/-/- | 8600m | - | 4 | ReadyForNewScale | ValidMetricFound | DesiredWithinRange
            TestMinReplicas                             | 2 | 5 | 3 | cpu:90 | ready/10/-/900 ready/94/-/1000 ready/10/-/1100 | - | [] | 2 | SucceededRescale | ValidMetricFound | TooFewReplicas
            TestMinReplicasDesiredZero                  | 2 | 5 | 3 | cpu:90 | ready/0/-/900 ready/0/-/1000 ready/0/-/1100 | - | [] | 2 | SucceededRescale | ValidMetricFound | TooFewReplicas
            TestZeroReplicas                            | 3 | 5 | 0 | cpu:90 |  | - | - | 0 | SucceededGetScale | ScalingDisabled | absent
            TestTooFewReplicas                          | 3 | 5 | 2 | cpu:90 |  | - | - | 3 | SucceededRescale | absent | absent
            TestTooManyReplicas                         | 3 | 5 | 10 | cpu:90 |  | - | - | 5 | SucceededRescale | absent | absent
            TestMaxReplicas                             | 2 | 5 | 3 | cpu:90 | ready/8000/-/900 ready/9500/-/1000 ready/1000/-/1100 | - | - | 5 | SucceededRescale | ValidMetricFound | TooManyReplicas
            """)
    void reconcile(String goTest, int min, int max, int replicas, String metrics, String pods, String objectValue,
                   String recommendations, int expected, String ableToScale, String scalingActive,
                   String scalingLimited) {
        String spec = """
                {"scaleTargetRef": {"kind": "ReplicationController", "name": "test-rc", "apiVersion": "v1"},
                 "minReplicas": %d, "maxReplicas": %d, "metrics": [%s]}""".formatted(min, max, metricSpecs(metrics));
        String history = recommendations.equals("[]")
                ? ", \"history\": {\"recommendations\": [], \"scaleUpEvents\": [], \"scaleDownEvents\": []}" : "";
        String values = objectValue.equals("-") ? "{}"
                : objectValue.equals("error") ? "{\"qps\": {\"error\": \"something went wrong\"}}"
                : "{\"qps\": \"" + objectValue + "\"}";
        String body = """
                {"spec": %s, "observed": {"specReplicas": %d, "pods": [%s], "metrics": %s%s}}"""
                .formatted(spec, replicas, pods(pods), values, history);

        given().contentType(ContentType.JSON).body(body).when().post("/scaling/simulate").then()
                .statusCode(200)
                .body("desiredReplicas", equalTo(expected))
                .body("conditions.find { it.type == 'AbleToScale' }.reason", equalTo(ableToScale))
                .body("conditions.find { it.type == 'ScalingActive' }.reason", expectedReason(scalingActive))
                .body("conditions.find { it.type == 'ScalingLimited' }.reason", expectedReason(scalingLimited));
    }

    /** "absent": Go's fresh HPA never gets the condition on this path; "-": Go's test does not say. */
    private static org.hamcrest.Matcher<?> expectedReason(String reason) {
        return switch (reason) {
            case "absent" -> org.hamcrest.Matchers.nullValue();
            case "-" -> org.hamcrest.Matchers.anything();
            default -> equalTo(reason);
        };
    }

    private static String metricSpecs(String text) {
        List<String> specs = new ArrayList<>();
        for (String m : text.split("\\+")) {
            String[] f = m.split(":");
            specs.add(switch (f[0]) {
                case "cpu" -> """
                        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": %s}}}"""
                        .formatted(f[1]);
                case "pods" -> """
                        {"type": "Pods", "pods": {"metric": {"name": "%s"}, "target": {"type": "AverageValue", "averageValue": "%s"}}}"""
                        .formatted(f[1], f[2]);
                case "object" -> """
                        {"type": "Object", "object": {"describedObject": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "some-deployment"},
                         "metric": {"name": "%s"}, "target": {"type": "%s", "%s": "%s"}}}"""
                        .formatted(f[1], f[2], f[2].equals("Value") ? "value" : "averageValue", f[3]);
                case "external" -> """
                        {"type": "External", "external": {"metric": {"name": "%s", "selector": {}},
                         "target": {"type": "%s", "%s": "%s"}}}"""
                        .formatted(f[1], f[2], f[2].equals("Value") ? "value" : "averageValue", f[3]);
                default -> throw new IllegalArgumentException(m);
            });
        }
        return String.join(",", specs);
    }

    private static String pods(String text) {
        if (text == null || text.isBlank()) {
            return "";
        }
        List<String> pods = new ArrayList<>();
        String[] entries = text.trim().split("\\s+");
        for (int i = 0; i < entries.length; i++) {
            String[] f = entries[i].split("/");
            String state = f[0];
            String phase = state.equals("failed") ? "Failed" : "Running";
            boolean ready = state.equals("ready") || state.equals("hot") || state.equals("deleting");
            String usage = f[1].equals("-") ? "{}" : "{\"cpu\": \"" + f[1] + "m\"}";
            String request = f.length > 3 ? f[3] + "m" : "1";
            String qps = f[2].equals("-") ? "{}" : "{\"qps\": " + f[2] + "}";
            // hotCPUCreationTime: started inside the CPU initialization period
            String hot = state.startsWith("hot") ? ", \"startedSecondsAgo\": 30, \"readyTransitionSecondsAgo\": 10" : "";
            pods.add("""
                    {"name": "test-pod-%d", "phase": "%s", "ready": %s, "deleting": %s, "requests": {"cpu": "%s"},
                     "usage": %s, "metrics": %s%s}""".formatted(i, phase, ready, state.equals("deleting"), request, usage, qps, hot));
        }
        return String.join(",", pods);
    }
}
