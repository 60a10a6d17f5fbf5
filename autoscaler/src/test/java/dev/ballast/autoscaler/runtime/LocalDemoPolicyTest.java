package dev.ballast.autoscaler.runtime;

import dev.ballast.autoscaler.registry.PolicyKey;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

/** The demo policies of the local suite: in-flight requests on the simulators make the llm policy's desired replicas rise and fall. */
@QuarkusTest
@TestProfile(LocalDemoProfile.class)
class LocalDemoPolicyTest {

    static final PolicyKey LLM = new PolicyKey("local", "llm");

    @Inject
    PolicyTicker ticker;
    @Inject
    TestClock clock;

    private static void inFlight(int n) {
        LocalDemoProfile.ANSWER.set("""
                {"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1767225600,"%d"]}]}}""".formatted(n));
    }

    private void tickAfter(Duration d) {
        clock.advance(d);
        ticker.tick(LLM).orElseThrow();
    }

    private static void desired(int replicas) {
        given().when().get("/scaling/status").then().statusCode(200)
                .body("find { it.name == 'llm' }.desiredReplicas", equalTo(replicas));
    }

    @Test
    @DisplayName("the local profile loads both demo policies")
    void loadsDemoPolicies() {
        given().when().get("/scaling/status").then().statusCode(200)
                .body("findAll { it.namespace == 'local' }.name", hasItems("llm", "celery-worker"));
    }

    @Test
    @DisplayName("in-flight requests raise the llm policy's desired replicas; it falls a minute after they stop")
    void risesAndFalls() {
        inFlight(20);
        tickAfter(Duration.ZERO);
        desired(5);

        inFlight(0);
        tickAfter(Duration.ofSeconds(5));
        desired(5);
        tickAfter(Duration.ofSeconds(60));
        desired(1);
    }
}
