package dev.ballast.autoscaler.api;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;

/** The fixed contract of POST /scaling/simulate, over HTTP. */
@QuarkusTest
class SimulationApiTest {

    static final String CPU_30 = """
            {"scaleTargetRef": {"kind": "Deployment", "name": "app"}, "maxReplicas": 10,
             "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 30}}}]}""";

    static String pod(String name, String phase, boolean ready, String usage) {
        return """
                {"name": "%s", "phase": "%s", "ready": %s, "deleting": false,
                 "requests": {"cpu": "1", "memory": "1Gi"}, "usage": {%s}}""".formatted(name, phase, ready,
                usage == null ? "" : "\"cpu\": \"" + usage + "\"");
    }

    static io.restassured.response.ValidatableResponse simulate(String body) {
        return given().contentType(ContentType.JSON).body(body).when().post("/scaling/simulate").then();
    }

    @Test
    @DisplayName("the HPA's scale-up example: 3 pods at 300m/500m/700m of 1 CPU with a 30% target ask for 5")
    void scaleUp() {
        simulate("""
                {"spec": %s, "observed": {"specReplicas": 3, "pods": [%s, %s, %s]}}""".formatted(CPU_30,
                pod("a", "Running", true, "300m"), pod("b", "Running", true, "500m"), pod("c", "Running", true, "0.7")))
                .statusCode(200)
                .body("currentReplicas", equalTo(3))
                .body("desiredReplicas", equalTo(5))
                .body("metrics[0].type", equalTo("Resource"))
                .body("metrics[0].name", equalTo("cpu"))
                .body("metrics[0].replicas", equalTo(5))
                .body("metrics[0].currentAverageUtilization", equalTo(50))
                .body("metrics[0].currentAverageValue", equalTo("500m"))
                .body("metrics[0].error", nullValue())
                .body("conditions.type", contains("AbleToScale", "ScalingActive", "ScalingLimited"))
                .body("conditions[0].keySet()", org.hamcrest.Matchers.containsInAnyOrder("type", "status", "reason", "message"))
                .body("conditions[1].reason", equalTo("ValidMetricFound"))
                .body("conditions[2].status", equalTo("False"))
                .body("conditions[2].reason", equalTo("DesiredWithinRange"));
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("full reconciles as horizontal_test.go runs them (fresh controller, given recommendations)")
    @CsvSource(delimiter = '|', textBlock = """
            scale up: 3 pods at 300/500/700m, target 30%               | 2 | 6 | 3 | 30 | 300m 500m 700m                | true true true        | -  | 5 | True  | SucceededRescale | DesiredWithinRange
            scale down with no recent recommendations                  | 2 | 6 | 5 | 50 | 100m 300m 500m 250m 250m     | true true true true true | [] | 3 | True | SucceededRescale | DesiredWithinRange
            scale down held by the seeded recommendation (fresh HPA)   | 2 | 6 | 5 | 50 | 100m 300m 500m 250m 250m     | true true true true true | -  | 5 | True | ScaleDownStabilized | DesiredWithinRange
            scale down to the minimum                                  | 4 | 6 | 5 | 50 | 100m 100m 100m 100m 100m     | true true true true true | [] | 4 | True | SucceededRescale | TooFewReplicas
            scale up capped at max                                     | 1 | 4 | 3 | 10 | 900m 900m 900m                | true true true        | -  | 4 | True  | SucceededRescale | TooManyReplicas
            scale up capped by the legacy rate max(2x, 4)              | 1 | 50 | 3 | 10 | 900m 900m 900m               | true true true        | -  | 6 | True  | SucceededRescale | ScaleUpLimit
            within tolerance: no change                                | 1 | 6 | 3 | 50 | 500m 520m 530m                | true true true        | -  | 3 | True  | ReadyForNewScale | DesiredWithinRange
            """)
    void reconciles(String scenario, int min, int max, int current, int target, String usage, String readiness,
                    String recommendations, int desired, String able, String ableReason, String limitedReason) {
        String[] use = usage.split(" ");
        String[] ready = readiness.split(" ");
        StringBuilder pods = new StringBuilder();
        for (int i = 0; i < use.length; i++) {
            pods.append(i == 0 ? "" : ",").append(pod("p" + i, "Running", Boolean.parseBoolean(ready[i]), use[i]));
        }
        String spec = """
                {"scaleTargetRef": {"kind": "Deployment", "name": "app"}, "minReplicas": %d, "maxReplicas": %d,
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": %d}}}]}"""
                .formatted(min, max, target);
        String history = recommendations.equals("-") ? "" : ", \"history\": {\"recommendations\": " + recommendations + "}";

        simulate("""
                {"spec": %s, "observed": {"specReplicas": %d, "statusReplicas": %d, "pods": [%s]%s}}"""
                .formatted(spec, current, current, pods, history))
                .statusCode(200)
                .body("desiredReplicas", equalTo(desired))
                .body("conditions.find { it.type == 'AbleToScale' }.status", equalTo(able))
                .body("conditions.find { it.type == 'AbleToScale' }.reason", equalTo(ableReason))
                .body("conditions.find { it.type == 'ScalingActive' }.reason", equalTo("ValidMetricFound"))
                .body("conditions.find { it.type == 'ScalingLimited' }.reason", equalTo(limitedReason));
    }

    @Test
    @DisplayName("a never-ready pod counts as zero on a scale-up; a pending pod without a sample too")
    void unreadyAndPending() {
        simulate("""
                {"spec": %s, "observed": {"specReplicas": 4, "pods": [%s, %s, %s, %s]}}""".formatted(CPU_30,
                pod("a", "Running", false, "300m"), pod("b", "Running", true, "500m"), pod("c", "Running", true, "700m"),
                pod("d", "Pending", false, null)))
                .statusCode(200)
                .body("metrics[0].currentAverageUtilization", equalTo(60))
                .body("desiredReplicas", equalTo(4));
    }

    @Test
    @DisplayName("omitted recommendations mean a fresh HPA: the current size is seeded and holds a scale-down")
    void freshHpaSeedsRecommendations() {
        String pods = String.join(",", pod("a", "Running", true, "100m"), pod("b", "Running", true, "300m"),
                pod("c", "Running", true, "500m"), pod("d", "Running", true, "250m"), pod("e", "Running", true, "250m"));
        String spec = CPU_30.replace("\"averageUtilization\": 30", "\"averageUtilization\": 50");

        simulate("""
                {"spec": %s, "observed": {"specReplicas": 5, "pods": [%s]}}""".formatted(spec, pods))
                .statusCode(200)
                .body("metrics[0].replicas", equalTo(3))
                .body("desiredReplicas", equalTo(5))
                .body("conditions[0].reason", equalTo("ScaleDownStabilized"));
        simulate("""
                {"spec": %s, "observed": {"specReplicas": 5, "pods": [%s], "history": {"recommendations": []}}}"""
                .formatted(spec, pods))
                .statusCode(200)
                .body("desiredReplicas", equalTo(3))
                .body("conditions[0].reason", equalTo("SucceededRescale"))
                .body("history.recommendations.value", contains(3));
    }

    @Test
    @DisplayName("optional pod timing reaches the CPU initialization rules: a pod still starting counts as unready")
    void hotPod() {
        String hot = """
                {"name": "a", "phase": "Running", "ready": true, "requests": {"cpu": "1"}, "usage": {"cpu": "300m"},
                 "startedSecondsAgo": 30, "readyTransitionSecondsAgo": 10, "sampleWindowSeconds": 30}""";

        simulate("""
                {"spec": %s, "observed": {"specReplicas": 3, "pods": [%s, %s, %s]}}""".formatted(CPU_30, hot,
                pod("b", "Running", true, "500m"), pod("c", "Running", true, "700m")))
                .statusCode(200)
                .body("metrics[0].currentAverageUtilization", equalTo(60))
                .body("metrics[0].replicas", equalTo(4));
    }

    @Test
    @DisplayName("samples of pods missing from the pod list are averaged into a Pods metric")
    void unlistedPodSamples() {
        simulate("""
                {"spec": {"scaleTargetRef": {"kind": "Deployment", "name": "app"}, "maxReplicas": 20, "behavior": {},
                  "metrics": [{"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "10"}}}]},
                 "observed": {"specReplicas": 3, "pods": [
                   {"name": "a", "metrics": {"qps": 20}}, {"name": "b", "metrics": {"qps": 10}}, {"name": "c", "metrics": {"qps": 30}}],
                  "unlistedPodSamples": {"qps": [40]}}}""")
                .statusCode(200)
                .body("metrics[0].currentAverageValue", equalTo("25"))
                .body("metrics[0].replicas", equalTo(8));
    }

    @Test
    @DisplayName("memory in binary units, an AverageValue target")
    void memoryQuantities() {
        simulate("""
                {"spec": {"scaleTargetRef": {"kind": "Deployment", "name": "app"}, "maxReplicas": 10,
                  "metrics": [{"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "512Mi"}}}]},
                 "observed": {"specReplicas": 2, "pods": [
                   {"name": "a", "phase": "Running", "ready": true, "requests": {"memory": "1Gi"}, "usage": {"memory": "1Gi"}},
                   {"name": "b", "phase": "Running", "ready": true, "requests": {"memory": "1Gi"}, "usage": {"memory": "1024Mi"}}]}}""")
                .statusCode(200)
                .body("metrics[0].name", equalTo("memory"))
                .body("metrics[0].currentAverageValue", equalTo("1073741824"))
                .body("desiredReplicas", equalTo(4));
    }

    @Test
    @DisplayName("an External metric error blocks the scale-down and is reported on the metric and the condition")
    void externalError() {
        simulate("""
                {"spec": {"scaleTargetRef": {"kind": "Deployment", "name": "app"}, "maxReplicas": 10,
                  "metrics": [{"type": "Pods", "pods": {"metric": {"name": "inflight"}, "target": {"type": "AverageValue", "averageValue": "10"}}},
                              {"type": "External", "external": {"metric": {"name": "queue"}, "target": {"type": "AverageValue", "averageValue": "5"}}}]},
                 "observed": {"specReplicas": 2, "pods": [
                   {"name": "a", "phase": "Running", "ready": true, "metrics": {"inflight": 1}},
                   {"name": "b", "phase": "Running", "ready": true, "metrics": {"inflight": 1.5}}],
                  "metrics": {"queue": {"error": "redis unreachable"}}}}""")
                .statusCode(200)
                .body("desiredReplicas", equalTo(2))
                .body("metrics[0].replicas", equalTo(1))
                .body("metrics[0].currentAverageValue", equalTo("1250m"))
                .body("metrics[1].name", equalTo("queue"))
                .body("metrics[1].error", containsString("redis unreachable"))
                .body("conditions.reason", hasItem("FailedGetExternalMetric"));
    }

    @Test
    @DisplayName("a given recommendation tries behaviors: scale-up events inside the period use up the Pods policy")
    void behaviorWhatIf() {
        simulate("""
                {"spec": {"scaleTargetRef": {"kind": "Deployment", "name": "app"}, "maxReplicas": 50,
                  "behavior": {"scaleUp": {"policies": [{"type": "Pods", "value": 4, "periodSeconds": 60}]}}},
                 "observed": {"specReplicas": 10, "recommendedReplicas": 30,
                   "history": {"scaleUpEvents": [{"replicaChange": 3, "secondsAgo": 20}, {"replicaChange": 5, "secondsAgo": 61}]}}}""")
                .statusCode(200)
                .body("desiredReplicas", equalTo(11))
                .body("conditions.find { it.type == 'ScalingLimited' }.reason", equalTo("ScaleUpLimit"));
    }

    @Test
    @DisplayName("an Object/External value may be a quantity string; statusReplicas defaults to specReplicas")
    void externalAverageValue() {
        simulate("""
                {"spec": {"scaleTargetRef": {"kind": "Deployment", "name": "worker"}, "maxReplicas": 20, "behavior": {},
                  "metrics": [{"type": "External", "external": {"metric": {"name": "backlog"}, "target": {"type": "AverageValue", "averageValue": "5"}}}]},
                 "observed": {"specReplicas": 1, "metrics": {"backlog": "20"}}}""")
                .statusCode(200)
                .body("metrics[0].replicas", equalTo(4))
                .body("metrics[0].currentAverageValue", equalTo("20"))
                .body("desiredReplicas", equalTo(4));
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("malformed requests and invalid specs answer 400 naming the field")
    @CsvSource(delimiter = '|', textBlock = """
            not JSON             | {"spec":                                                                  | body
            spec missing         | {"observed": {"specReplicas": 1}}                                         | spec
            maxReplicas missing  | {"spec": {"scaleTargetRef": {"kind": "D", "name": "x"}}, "observed": {"specReplicas": 1}} | spec.maxReplicas
            unknown metric type  | {"spec": {"scaleTargetRef": {"kind": "D", "name": "x"}, "maxReplicas": 3, "metrics": [{"type": "Foo"}]}, "observed": {"specReplicas": 1}} | spec.metrics[0].type
            bad target quantity  | {"spec": {"scaleTargetRef": {"kind": "D", "name": "x"}, "maxReplicas": 3, "metrics": [{"type": "External", "external": {"metric": {"name": "q"}, "target": {"type": "Value", "value": "lots"}}}]}, "observed": {"specReplicas": 1}} | spec.metrics[0].external.target.value
            observed missing     | {"spec": {"scaleTargetRef": {"kind": "D", "name": "x"}, "maxReplicas": 3}} | observed
            specReplicas missing | {"spec": {"scaleTargetRef": {"kind": "D", "name": "x"}, "maxReplicas": 3}, "observed": {}} | observed.specReplicas
            bad usage quantity   | {"spec": {"scaleTargetRef": {"kind": "D", "name": "x"}, "maxReplicas": 3}, "observed": {"specReplicas": 1, "pods": [{"name": "a", "usage": {"cpu": "12x"}}]}} | observed.pods[0].usage.cpu
            bad pod phase        | {"spec": {"scaleTargetRef": {"kind": "D", "name": "x"}, "maxReplicas": 3}, "observed": {"specReplicas": 1, "pods": [{"name": "a", "phase": "Sleeping"}]}} | observed.pods[0].phase
            negative event       | {"spec": {"scaleTargetRef": {"kind": "D", "name": "x"}, "maxReplicas": 3}, "observed": {"specReplicas": 1, "history": {"scaleUpEvents": [{"replicaChange": -1, "secondsAgo": 3}]}}} | observed.history.scaleUpEvents[0].replicaChange
            metric value object  | {"spec": {"scaleTargetRef": {"kind": "D", "name": "x"}, "maxReplicas": 3}, "observed": {"specReplicas": 1, "metrics": {"q": {"value": 3}}}} | observed.metrics.q
            """)
    void badRequests(String problem, String body, String field) {
        simulate(body)
                .statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("https://ballast.dev/problems/bad-request"))
                .body("title", equalTo("Bad Request"))
                .body("status", equalTo(400))
                .body("detail", containsString(field))
                .body("violations.field", hasItem(field));
    }

    @Test
    @DisplayName("the OpenAPI document describes the simulate endpoint")
    void openApi() {
        given().accept("application/json").when().get("/q/openapi").then()
                .statusCode(200)
                .body("paths", org.hamcrest.Matchers.hasKey("/scaling/simulate"))
                .body("paths.'/scaling/simulate'.post.requestBody.content.'application/json'.schema.$ref",
                        containsString("SimulationRequest"))
                .body("components.schemas.ScalingPolicySpec.properties", org.hamcrest.Matchers.hasKey("behavior"));
    }
}
