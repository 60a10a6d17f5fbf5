package dev.ballast.autoscaler.parity;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

/**
 * A representative subset of kubernetes replica_calculator_test.go cases through POST /scaling/simulate, as a user
 * pasting the HPA would send them. Each row is one Go test; pods are written as Go's fake clients build them (two
 * containers, each requesting {@code request} and using {@code level} milli-units, so the pod totals are doubled
 * here). The spec's behavior lets any change through at once (no stabilization, no rate limit) and the history says
 * "a known HPA with no recent recommendations", so desiredReplicas is exactly the calculator's answer.
 */
@QuarkusTest
class SimulateGoParityTest {

    private static final String OPEN_BEHAVIOR = """
            "behavior": {
              "scaleUp": {"stabilizationWindowSeconds": 0, "policies": [{"type": "Pods", "value": 1000, "periodSeconds": 15}]},
              "scaleDown": {"stabilizationWindowSeconds": 0, "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}}""";

    /** Pods as {@code state:requestMilli:levelMilli}, per container as in Go; level {@code -} = no sample. */
    @ParameterizedTest(name = "{0}")
    @DisplayName("replica_calculator_test.go Resource cases through the simulate API")
    @CsvSource(delimiter = '|', textBlock = """
            TestReplicaCalcScaleUp                         | 3 | 30  | ready:1000:300 ready:1000:500 ready:1000:700 | 5 | 50 | 1
            TestReplicaCalcScaleUpUnreadyLessScale         | 3 | 30  | unready:1000:300 ready:1000:500 ready:1000:700 | 4 | 60 | 1200m
            TestReplicaCalcScaleUpHotCpuLessScale          | 3 | 30  | hot:1000:300 ready:1000:500 ready:1000:700 | 4 | 60 | 1200m
            TestReplicaCalcScaleUpIgnoresFailedPods        | 2 | 30  | ready:1000:500 ready:1000:700 failed:1000:- failed:1000:- | 4 | 60 | 1200m
            TestReplicaCalcScaleUpIgnoresDeletionPods      | 2 | 30  | ready:1000:500 ready:1000:700 deleting:1000:- deleting:1000:- | 4 | 60 | 1200m
            TestReplicaCalcScaleDown                       | 5 | 50  | ready:1000:100 ready:1000:300 ready:1000:500 ready:1000:250 ready:1000:250 | 3 | 28 | 560m
            TestReplicaCalcScaleDownIncludeUnreadyPods     | 5 | 50  | ready:1000:100 ready:1000:300 ready:1000:500 unready:1000:250 unready:1000:250 | 2 | 30 | 600m
            TestReplicaCalcScaleDownExcludeUnscheduledPods | 5 | 50  | ready:1000:100 pending:1000:- pending:1000:- pending:1000:- pending:1000:- | 1 | 10 | 200m
            TestReplicaCalcScaleDownIgnoreHotCpuPods       | 5 | 50  | ready:1000:100 ready:1000:300 ready:1000:500 hot:1000:250 hot:1000:250 | 2 | 30 | 600m
            TestReplicaCalcTolerance                       | 3 | 100 | ready:900:1010 ready:1000:1030 ready:1100:1020 | 3 | 102 | 2040m
            TestReplicaCalcMissingMetrics                  | 4 | 100 | ready:1000:400 ready:1000:95 ready:1000:- ready:1000:- | 3 | 24 | 495m
            TestReplicaCalcMissingMetricsNoChangeGt        | 2 | 100 | ready:1000:1900 ready:1000:- | 2 | 190 | 3800m
            TestReplicaCalcMissingMetricsUnreadyScaleUp    | 3 | 50  | unready:1000:100 ready:1000:2000 ready:1000:- | 4 | 200 | 4
            TestReplicaCalcMissingMetricsUnreadyScaleDown  | 4 | 50  | unready:1000:100 ready:1000:100 ready:1000:100 ready:1000:- | 3 | 10 | 200m
            """)
    void resourceCases(String goTest, int current, int target, String pods, int expected, int utilization,
                       String averageValue) {
        String spec = """
                {"scaleTargetRef": {"kind": "Deployment", "name": "app"}, "minReplicas": 1, "maxReplicas": 1000,
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": %d}}}],
                 %s}""".formatted(target, OPEN_BEHAVIOR);

        simulate(spec, current, resourcePods(pods), "{}")
                .statusCode(200)
                .body("desiredReplicas", equalTo(expected))
                .body("metrics[0].replicas", equalTo(expected))
                .body("metrics[0].currentAverageUtilization", equalTo(utilization))
                .body("metrics[0].currentAverageValue", equalTo(averageValue))
                .body("metrics[0].error", nullValue());
    }

    /** Go's metricInfo cases: Pods metrics per pod, External Value and AverageValue (milli-units as in Go). */
    @ParameterizedTest(name = "{0}")
    @DisplayName("replica_calculator_test.go Pods and External cases through the simulate API")
    @CsvSource(delimiter = '|', textBlock = """
            TestReplicaCalcScaleUpCM                               | Pods     | AverageValue | 3 | 15    | 20 10 30          | ready ready ready     | 4
            TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale       | Pods     | AverageValue | 3 | 15    | 50 10 30          | ready ready unready   | 6
            TestReplicaCalcScaleDownCM                             | Pods     | AverageValue | 5 | 20    | 12 12 12 12 12    | ready ready ready ready ready | 3
            TestReplicaCalcToleranceCM                             | Pods     | AverageValue | 3 | 20    | 20 21 21          | ready ready ready     | 3
            TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods     | External | Value        | 3 | 4400m | 8600m             | unready ready unready | 2
            TestReplicaCalcScaleDownCMExternal                     | External | Value        | 5 | 14334m | 8600m            | ready ready ready ready ready | 3
            TestReplicaCalcToleranceCMExternal                     | External | Value        | 3 | 8888m | 8600m             | ready ready ready     | 3
            TestReplicaCalcScaleUpPerPodCMExternal                 | External | AverageValue | 3 | 2150m | 8600m             | ready ready ready     | 4
            TestReplicaCalcScaleDownPerPodCMExternal               | External | AverageValue | 5 | 2867m | 8600m             | ready ready ready ready ready | 3
            TestReplicaCalcTolerancePerPodCMExternal               | External | AverageValue | 3 | 2900m | 8600m             | ready ready ready     | 3
            """)
    void customMetricCases(String goTest, String type, String targetType, int current, String target, String values,
                           String states, int expected) {
        String targetField = targetType.equals("Value") ? "value" : "averageValue";
        String metric = type.equals("Pods")
                ? """
                {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "%s"}}}"""
                .formatted(target)
                : """
                {"type": "External", "external": {"metric": {"name": "qps", "selector": {"matchLabels": {"label": "value"}}},
                 "target": {"type": "%s", "%s": "%s"}}}""".formatted(targetType, targetField, target);
        String spec = """
                {"scaleTargetRef": {"kind": "Deployment", "name": "app"}, "minReplicas": 1, "maxReplicas": 1000,
                 "metrics": [%s], %s}""".formatted(metric, OPEN_BEHAVIOR);
        String[] v = values.trim().split("\\s+");
        String[] s = states.trim().split("\\s+");
        List<String> pods = new ArrayList<>();
        for (int i = 0; i < s.length; i++) {
            String sample = type.equals("Pods") ? "\"metrics\": {\"qps\": " + v[i] + "}" : "\"metrics\": {}";
            pods.add(pod("test-pod-" + i, s[i], "{}", "{}", sample));
        }
        String external = type.equals("External") ? "{\"qps\": \"" + v[0] + "\"}" : "{}";

        simulate(spec, current, pods, external)
                .statusCode(200)
                .body("desiredReplicas", equalTo(expected))
                .body("metrics[0].replicas", equalTo(expected))
                .body("metrics[0].error", nullValue());
    }

    private static ValidatableResponse simulate(String spec, int current, List<String> pods, String metrics) {
        String body = """
                {"spec": %s, "observed": {"specReplicas": %d, "pods": [%s], "metrics": %s,
                 "history": {"recommendations": [], "scaleUpEvents": [], "scaleDownEvents": []}}}"""
                .formatted(spec, current, String.join(",", pods), metrics);
        return given().contentType(ContentType.JSON).body(body).when().post("/scaling/simulate").then();
    }

    private static List<String> resourcePods(String text) {
        List<String> pods = new ArrayList<>();
        String[] entries = text.trim().split("\\s+");
        for (int i = 0; i < entries.length; i++) {
            String[] f = entries[i].split(":");
            long request = 2 * Long.parseLong(f[1]);
            String usage = f[2].equals("-") ? "{}" : "{\"cpu\": \"" + (2 * Long.parseLong(f[2])) + "m\"}";
            pods.add(pod("test-pod-" + i, f[0], "{\"cpu\": \"" + request + "m\"}", usage, "\"metrics\": {}"));
        }
        return pods;
    }

    /** One pod in a Go case's state: ready, unready (never ready), hot, pending, failed, deleting. */
    private static String pod(String name, String state, String requests, String usage, String metrics) {
        String phase = switch (state) {
            case "pending" -> "Pending";
            case "failed" -> "Failed";
            default -> "Running";
        };
        boolean ready = state.equals("ready") || state.equals("hot") || state.equals("deleting");
        // hotCpuCreationTime: started inside the CPU initialization period, sample older than transition + window
        String hot = state.equals("hot") ? ", \"startedSecondsAgo\": 30, \"readyTransitionSecondsAgo\": 10" : "";
        return """
                {"name": "%s", "phase": "%s", "ready": %s, "deleting": %s, "requests": %s, "usage": %s, %s%s}"""
                .formatted(name, phase, ready, state.equals("deleting"), requests, usage, metrics, hot);
    }
}
