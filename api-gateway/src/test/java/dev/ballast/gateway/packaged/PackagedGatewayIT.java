package dev.ballast.gateway.packaged;

import dev.ballast.testing.LoopbackPorts;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Runs against the packaged artifact (the JVM fast-jar, or the native executable with -Dnative), started with
 * no routes and no upstreams: health and metrics answer on the management port, and the traffic port serves
 * only configured routes (none), so everything there is a JSON 404.
 */
@QuarkusIntegrationTest
@TestProfile(PackagedGatewayIT.FreeManagementPort.class)
class PackagedGatewayIT {

    /** The only override: a free management port this test can find (the traffic port is chosen by Quarkus). */
    public static class FreeManagementPort implements QuarkusTestProfile {
        static final int PORT = LoopbackPorts.free();

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.management.port", Integer.toString(PORT),
                    "quarkus.management.test-port", Integer.toString(PORT));
        }

    }

    private static String management(String path) {
        return "http://127.0.0.1:" + FreeManagementPort.PORT + path;
    }

    @Test
    @DisplayName("the packaged gateway answers live, ready and started on the management port")
    void healthOnManagementPort() {
        for (String check : new String[] {"live", "ready", "started"}) {
            given().when().get(management("/q/health/" + check))
                    .then().statusCode(200).body("status", equalTo("UP"));
        }
        given().accept("text/plain").when().get(management("/q/metrics"))
                .then().statusCode(200).body(containsString("jvm_"));
    }

    @Test
    @DisplayName("the traffic port never serves health or metrics: with no routes everything is a JSON 404")
    void trafficPortServesOnlyRoutes() {
        given().when().get("/q/health/live").then().statusCode(404).contentType(containsString("json"));
        given().when().get("/q/metrics").then().statusCode(404);
    }
}
