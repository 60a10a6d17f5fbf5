package dev.ballast.gateway.testing;

import dev.ballast.gateway.GatewayRuntime;
import dev.ballast.lb.Endpoint;
import io.quarkus.test.common.http.TestHTTPResource;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.net.URL;
import java.time.Duration;

import static org.awaitility.Awaitility.await;

/**
 * What every gateway test over HTTP shares: the loopback origins, a client on the traffic port, and after each
 * test origins back to their echo behaviour and a check that no lease was left open (no in-flight leak).
 * Subclasses add {@code @QuarkusTest}, their profile and {@code @QuarkusTestResource(Origins.class)}.
 */
public abstract class GatewayTestBase {

    @Origins.Inject
    protected Origins origins;

    @TestHTTPResource("/")
    protected URL gateway;

    @Inject
    protected GatewayRuntime runtime;

    protected GatewayClient client;

    @BeforeEach
    void connectToGateway() {
        client = new GatewayClient(gateway.getPort());
    }

    @AfterEach
    void resetOriginsAndCheckLeases() {
        client.close();
        origins.resetAll();
        await().atMost(Duration.ofSeconds(10)).until(() -> totalInFlight() == 0);
    }

    protected int totalInFlight() {
        int sum = 0;
        for (var upstream : runtime.upstreams().all()) {
            for (Endpoint endpoint : upstream.pool().endpoints()) {
                sum += endpoint.inFlight();
            }
        }
        return sum;
    }
}
