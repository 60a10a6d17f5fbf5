package dev.ballast.gateway.proxy;

import dev.ballast.gateway.testing.GatewayClient;
import dev.ballast.gateway.testing.GatewayClient.Reply;
import dev.ballast.gateway.testing.GatewayTestBase;
import dev.ballast.gateway.testing.Origins;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The retry budget (Envoy retry_budget) over real HTTP: refused retries reach the client and are counted. */
@QuarkusTest
@TestProfile(RetryBudgetTest.Profile.class)
@QuarkusTestResource(value = Origins.class, restrictToAnnotatedClass = true)
class RetryBudgetTest extends GatewayTestBase {

    private static final int CONCURRENT = 6;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = new HashMap<>();
            c.put("ballast.gateway.upstreams.flaky.endpoints", "${test.origin.0},${test.origin.1}");
            c.put("ballast.gateway.upstreams.flaky.passive.max-fails", "0");
            c.put("ballast.gateway.routes.models.prefix", "/");
            c.put("ballast.gateway.routes.models.upstream", "flaky");
            c.put("ballast.gateway.routes.models.retries.max-tries", "2");
            // One retry in progress at a time, whatever the traffic: 0 % of active requests, at least 1.
            c.put("ballast.gateway.routes.models.retries.budget-percent", "0");
            c.put("ballast.gateway.routes.models.retries.budget-min-concurrency", "1");
            return c;
        }
    }

    @TestHTTPResource(value = "/", management = true)
    URL management;

    @Test
    @DisplayName("with every retry slot taken, concurrent GETs that got a 503 fail at once and count as budget refusals")
    void exhaustedBudgetRefusesRetriesAndCountsThem() {
        // First tries: held until all arrived, then all answered 503 together. The one retry the budget lets
        // through is held too, so its slot stays taken while every other request asks for one.
        List<HttpServerRequest> firstTries = new ArrayList<>();
        List<HttpServerRequest> retries = new ArrayList<>();
        AtomicInteger arrivals = new AtomicInteger();
        Handler<HttpServerRequest> origin = request -> {
            synchronized (firstTries) {
                if (arrivals.incrementAndGet() > CONCURRENT) {
                    retries.add(request);
                    return;
                }
                firstTries.add(request);
                if (firstTries.size() == CONCURRENT) {
                    firstTries.forEach(r -> r.response().setStatusCode(503).end("busy"));
                }
            }
        };
        origins.get(0).behave(origin);
        origins.get(1).behave(origin);
        double refusedBefore = counter("ballast_gateway_retry_budget_exhausted_total");
        HttpClient http = client.vertx().createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
                .setDefaultPort(client.port()).setMaxPoolSize(CONCURRENT));

        List<Future<Integer>> replies = new ArrayList<>();
        for (int i = 0; i < CONCURRENT; i++) {
            replies.add(http.request(HttpMethod.GET, "/v1/models").compose(r -> r.send())
                    .compose(r -> r.body().map(body -> r.statusCode())));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> replies.stream().filter(Future::isComplete).count()
                == CONCURRENT - 1);
        List<Integer> refusedStatuses = replies.stream().filter(Future::isComplete).map(Future::result).toList();
        double refusedWhileHeld = counter("ballast_gateway_retry_budget_exhausted_total") - refusedBefore;
        int heldRetries;
        synchronized (firstTries) {
            heldRetries = retries.size();
            retries.forEach(r -> r.response().end("{\"origin\":\"late\"}"));
        }
        Future<Integer> retried = replies.stream().filter(f -> !f.isComplete()).findFirst().orElseThrow();
        int retriedStatus = GatewayClient.await(retried);
        http.close();

        assertThat(refusedStatuses).as("clients whose retry was refused").hasSize(CONCURRENT - 1).containsOnly(503);
        assertThat(heldRetries).as("retries that reached an origin").isEqualTo(1);
        assertThat(retriedStatus).as("the one retry the budget allowed").isEqualTo(200);
        assertThat(refusedWhileHeld).isEqualTo(CONCURRENT - 1);
        assertThat(counter("ballast_gateway_retry_budget_exhausted_total") - refusedBefore)
                .isEqualTo(CONCURRENT - 1);
    }

    @Test
    @DisplayName("the budget counter is exported per route and upstream before any refusal")
    void counterIsExportedWithRouteAndUpstream() {
        assertThat(metrics()).contains(
                "ballast_gateway_retry_budget_exhausted_total{route=\"models\",upstream=\"flaky\"}");
    }

    private double counter(String name) {
        String prefix = name + "{route=\"models\",upstream=\"flaky\"} ";
        return metrics().lines().filter(line -> line.startsWith(prefix))
                .mapToDouble(line -> Double.parseDouble(line.substring(prefix.length()))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + prefix + "in /q/metrics"));
    }

    private String metrics() {
        try (GatewayClient admin = new GatewayClient(management.getPort())) {
            Reply reply = admin.get("/q/metrics");
            assertThat(reply.status()).isEqualTo(200);
            return reply.body();
        }
    }
}
