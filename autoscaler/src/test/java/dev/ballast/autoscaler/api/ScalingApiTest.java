package dev.ballast.autoscaler.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ballast.autoscaler.engine.Decision;
import dev.ballast.autoscaler.engine.DecisionEngine;
import dev.ballast.autoscaler.engine.DecisionInput;
import dev.ballast.autoscaler.engine.MetricReading;
import dev.ballast.autoscaler.engine.Observation;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.autoscaler.registry.PolicyRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;

/** GET /scaling/status, GET .../decision and the override endpoints over the in-memory registry. */
@QuarkusTest
class ScalingApiTest {

    @Inject
    PolicyRegistry registry;
    @Inject
    ObjectMapper json;
    @Inject
    DecisionEngine engine;

    private PolicyKey policyWithDecision(String name) throws Exception {
        ScalingPolicySpec spec = json.readValue("""
                {"scaleTargetRef": {"kind": "Deployment", "name": "%s"}, "minReplicas": 1, "maxReplicas": 10, "behavior": {},
                 "metrics": [{"type": "External", "external": {"metric": {"name": "queue"}, "target": {"type": "AverageValue", "averageValue": "5"}}}]}"""
                .formatted(name), ScalingPolicySpec.class);
        PolicyKey key = new PolicyKey("ml", name);
        registry.upsert(key, spec);
        Decision d = engine.decide(new DecisionInput(registry.find(key).orElseThrow().spec(),
                Observation.of(2, List.of(), Map.of("queue", MetricReading.of(20_000))), null, Instant.now(), null, null));
        registry.recordDecision(key, d);
        return key;
    }

    @Test
    @DisplayName("status lists each policy with current, desired, bounds, last scale time and conditions")
    void status() throws Exception {
        policyWithDecision("status-a");

        given().when().get("/scaling/status").then()
                .statusCode(200)
                .body("find { it.name == 'status-a' }.namespace", equalTo("ml"))
                .body("find { it.name == 'status-a' }.currentReplicas", equalTo(2))
                .body("find { it.name == 'status-a' }.desiredReplicas", equalTo(4))
                .body("find { it.name == 'status-a' }.minReplicas", equalTo(1))
                .body("find { it.name == 'status-a' }.maxReplicas", equalTo(10))
                .body("find { it.name == 'status-a' }.lastScaleTime", notNullValue())
                .body("find { it.name == 'status-a' }.conditions.type", hasItem("ScalingActive"));
    }

    @Test
    @DisplayName("the last decision explains each metric's value, target and proposal")
    void decision() throws Exception {
        policyWithDecision("explain-a");

        given().when().get("/scaling/policies/ml/explain-a/decision").then()
                .statusCode(200)
                .body("decision.desiredReplicas", equalTo(4))
                .body("decision.reason", equalTo("external metric queue(nil) above target"))
                .body("decision.metrics[0].name", equalTo("queue"))
                .body("decision.metrics[0].target.averageValue", equalTo("5"))
                .body("decision.metrics[0].currentAverageValue", equalTo("10"))
                .body("decision.metrics[0].replicas", equalTo(4))
                .body("decision", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasKey("history")));
    }

    @Test
    @DisplayName("an unknown policy answers 404 as a problem detail")
    void unknown() {
        given().when().get("/scaling/policies/ml/nope/decision").then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("detail", containsString("ml/nope"));
    }

    @Test
    @DisplayName("an override is stored with its expiry and audit trail, and cleared by DELETE")
    void override() throws Exception {
        PolicyKey key = policyWithDecision("override-a");

        given().contentType(ContentType.JSON).body("{\"replicas\": 6, \"reason\": \"launch\", \"ttlSeconds\": 600}")
                .when().post("/scaling/policies/ml/override-a/override").then()
                .statusCode(200)
                .body("override.replicas", equalTo(6))
                .body("override.reason", equalTo("launch"))
                .body("audit[0].action", equalTo("set"));
        assertThat(registry.activeOverride(key, Instant.now())).hasValueSatisfying(o -> assertThat(o.replicas()).isEqualTo(6));

        given().when().delete("/scaling/policies/ml/override-a/override").then().statusCode(204);

        assertThat(registry.activeOverride(key, Instant.now())).isEmpty();
        assertThat(registry.find(key).orElseThrow().audit()).extracting(a -> a.action()).containsExactly("set", "cleared");
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("a bad override answers 400 naming the field and changes nothing")
    @CsvSource(delimiter = '|', textBlock = """
            negative replicas | {"replicas": -1, "reason": "x", "ttlSeconds": 60} | replicas
            no reason         | {"replicas": 1, "ttlSeconds": 60}                 | reason
            ttl too long      | {"replicas": 1, "reason": "x", "ttlSeconds": 9999999} | ttlSeconds
            not JSON          | {"replicas":                                      | body
            """)
    void badOverride(String problem, String body, String field) throws Exception {
        PolicyKey key = policyWithDecision("override-bad");

        given().contentType(ContentType.JSON).body(body).when().post("/scaling/policies/ml/override-bad/override").then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("violations.field", hasItem(field));
        assertThat(registry.find(key).orElseThrow().override()).isNull();
    }

    @Test
    @DisplayName("an override on an unknown policy answers 404")
    void overrideUnknown() {
        given().contentType(ContentType.JSON).body("{\"replicas\": 1, \"reason\": \"x\", \"ttlSeconds\": 60}")
                .when().post("/scaling/policies/ml/ghost/override").then().statusCode(404);
        given().when().delete("/scaling/policies/ml/ghost/override").then().statusCode(404);
    }
}
