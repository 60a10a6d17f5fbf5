package dev.ballast.gateway.testing;

import dev.ballast.gateway.GatewayRuntime;
import dev.ballast.lb.Endpoint;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.net.MalformedURLException;
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

    /** The traffic port (the gateway's own listener, bound to a free port in tests). */
    protected URL gateway;

    @Inject
    protected GatewayRuntime runtime;

    protected GatewayClient client;

    @BeforeEach
    void connectToGateway() throws MalformedURLException {
        gateway = new URL("http://127.0.0.1:" + runtime.trafficPort() + "/");
        client = new GatewayClient(gateway.getPort());
    }

    @AfterEach
    void resetOriginsAndCheckLeases() {
        client.close();
        origins.resetAll();
        // Exchanges too, not only leases: a retry waiting out its backoff holds no lease but would pick an endpoint
        // during the next test.
        await().atMost(Duration.ofSeconds(10)).until(() -> totalInFlight() == 0 && activeExchanges() == 0);
    }

    protected int activeExchanges() {
        int sum = 0;
        for (var upstream : runtime.upstreams().all()) {
            sum += upstream.activeRequests();
        }
        return sum;
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
