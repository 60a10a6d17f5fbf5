package dev.ballast.autoscaler.packaged;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Runs against the packaged artifact (the JVM fast-jar, or the native executable with -Dnative), started with
 * no configuration, no cluster and no Redis: it starts, answers its health checks and its read API.
 */
@QuarkusIntegrationTest
class PackagedAutoscalerIT {

    @Test
    @DisplayName("the packaged autoscaler starts with zero configuration and is live and started")
    void healthWithZeroConfiguration() {
        for (String check : new String[] {"live", "started"}) {
            given().when().get("/q/health/" + check)
                    .then().statusCode(200).body("status", equalTo("UP"));
        }
        given().when().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    @DisplayName("the packaged autoscaler serves metrics and its status API")
    void metricsAndStatus() {
        given().accept("text/plain").when().get("/q/metrics")
                .then().statusCode(200).body(containsString("jvm_"));
        given().when().get("/scaling/status").then().statusCode(200);
    }
}
