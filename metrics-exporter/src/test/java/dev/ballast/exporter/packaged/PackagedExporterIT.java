package dev.ballast.exporter.packaged;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Runs against the packaged artifact (the JVM fast-jar, or the native executable with -Dnative), started with
 * no configuration and no external services: Redis is absent, nothing is collected, and the service still
 * starts, answers its health checks and exports its own metrics.
 */
@QuarkusIntegrationTest
class PackagedExporterIT {

    @Test
    @DisplayName("the packaged exporter starts with zero configuration and answers live, ready and started")
    void healthWithZeroConfiguration() {
        for (String check : new String[] {"live", "ready", "started"}) {
            given().when().get("/q/health/" + check)
                    .then().statusCode(200).body("status", equalTo("UP"));
        }
    }

    @Test
    @DisplayName("the packaged exporter serves Prometheus metrics, including its own")
    void metrics() {
        given().accept("text/plain").when().get("/q/metrics")
                .then().statusCode(200).body(containsString("ballast_exporter_"));
    }
}
