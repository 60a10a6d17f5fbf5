package dev.ballast.autoscaler.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/** With the scheduler on, a policy from the file is ticked on its own at its polling interval. */
@QuarkusTest
@TestProfile(SchedulerTest.Ticking.class)
class SchedulerTest {

    public static class Ticking implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ballast.autoscaler.policies-file", "classpath:runtime/scheduled-policies.yaml");
        }
    }

    @Inject
    MeterRegistry meters;

    @Test
    @DisplayName("the policy is decided again and again without anyone ticking it; a metric without a source holds it")
    void ticksOnItsOwn() {
        await().atMost(Duration.ofSeconds(20)).until(() -> meters.find("ballast.autoscaler.decision.duration")
                .tags("policy_namespace", "ml", "policy", "ticking").timer() != null
                && meters.find("ballast.autoscaler.decision.duration").tags("policy", "ticking").timer().count() >= 3);

        given().when().get("/scaling/status").then().statusCode(200)
                .body("find { it.name == 'ticking' }.desiredReplicas", equalTo(2))
                .body("find { it.name == 'ticking' }.conditions.reason", hasItem("FailedGetExternalMetric"));
    }
}
