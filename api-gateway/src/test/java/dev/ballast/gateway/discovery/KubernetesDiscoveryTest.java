package dev.ballast.gateway.discovery;

import dev.ballast.gateway.testing.GatewayClient;
import dev.ballast.gateway.testing.GatewayTestBase;
import dev.ballast.gateway.testing.Origin;
import dev.ballast.gateway.testing.Origins;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.UpstreamPool;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kubernetes discovery against the fabric8 mock API server (CRUD mode) with real loopback origins: the pool follows
 * the Service's EndpointSlices as endpoints appear, go not-ready, terminate and vanish, while a client keeps
 * sending GETs that must all succeed.
 */
@QuarkusTest
@TestProfile(KubernetesDiscoveryTest.Profile.class)
@WithKubernetesTestServer
@QuarkusTestResource(value = Origins.class, restrictToAnnotatedClass = true)
class KubernetesDiscoveryTest extends GatewayTestBase {

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> c = new HashMap<>();
            c.put("ballast.gateway.upstreams.pods.kubernetes.service", Slices.SERVICE);
            c.put("ballast.gateway.upstreams.pods.kubernetes.port", "http");
            c.put("ballast.gateway.routes.all.prefix", "/");
            c.put("ballast.gateway.routes.all.upstream", "pods");
            return c;
        }
    }

    @KubernetesTestServer
    KubernetesServer api;

    /** The management port (only the port of this URL is used). */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    @BeforeEach
    void noSlicesYet() {
        api.getClient().discovery().v1().endpointSlices().delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool().endpoints().isEmpty());
    }

    @Test
    @DisplayName("endpoints appear, go not-ready, terminate and vanish with their slices, and a steady stream of GETs "
            + "sees no error")
    void poolFollowsSlicesWithoutClientErrors() throws Exception {
        Origin a = origins.get(0);
        Origin b = origins.get(1);
        Origin c = origins.get(2);
        put(Slices.ready("vllm-a", a.port(), "pod-a"));
        awaitChange(() -> pool().endpoints().size() == 1);
        assertThat(client.get("/v1/models").headers().get("x-origin")).isEqualTo(a.name());

        try (SteadyTraffic traffic = new SteadyTraffic(gateway.getPort(), "/v1/models")) {
            // A second slice of the same Service: merged, and traffic reaches both.
            put(Slices.ready("vllm-b", b.port(), "pod-b"));
            await().atMost(Duration.ofSeconds(10)).until(() -> traffic.servedBy(b.name()) > 0);
            Endpoint bBefore = pool().endpoint(id(b));

            // b fails its readiness probe: drained, kept with its state, no new requests.
            put(Slices.notReady("vllm-b", b.port(), "pod-b"));
            awaitChange(() -> pool().endpoint(id(b)).isDraining());
            // A request picked just before the drain may still arrive: count from when b has nothing in flight.
            await().atMost(Duration.ofSeconds(10)).until(() -> bBefore.inFlight() == 0);
            int bServed = b.hits();
            awaitMoreRequests(traffic, 20);
            assertThat(b.hits()).isEqualTo(bServed);

            // b is ready again: the same endpoint (in-flight and failure state kept) takes traffic again.
            put(Slices.ready("vllm-b", b.port(), "pod-b"));
            await().atMost(Duration.ofSeconds(10)).until(() -> b.hits() > bServed);
            assertThat(pool().endpoint(id(b))).isSameAs(bBefore);

            // A stream in flight on one endpoint; that endpoint's pod starts terminating.
            Promise<Void> finishStream = Promise.promise();
            for (Origin origin : List.of(a, b)) {
                origin.behave(request -> streamOrEcho(origin, request, finishStream));
            }
            CompletableFuture<String> body = new CompletableFuture<>();
            CompletableFuture<String> streamedBy = new CompletableFuture<>();
            // Started on an event loop, so the body handler is set before that loop can deliver the first chunk.
            client.onEventLoop(() -> client.http().request(HttpMethod.GET, "/stream").compose(r -> r.send())
                    .onSuccess(response -> {
                        streamedBy.complete(response.getHeader("x-origin"));
                        response.body().onSuccess(buffer -> body.complete(buffer.toString()))
                                .onFailure(body::completeExceptionally);
                    }));
            Origin streaming = streamedBy.get(10, TimeUnit.SECONDS).equals(a.name()) ? a : b;
            Origin other = streaming == a ? b : a;
            String slice = streaming == a ? "vllm-a" : "vllm-b";
            Endpoint streamingEndpoint = pool().endpoint(id(streaming));
            assertThat(streamingEndpoint.inFlight()).isPositive();

            // Another slice arrives meanwhile: the endpoint with the open stream keeps its in-flight count.
            put(Slices.ready("vllm-c", c.port(), "pod-c"));
            awaitChange(() -> pool().endpoints().size() == 3);
            assertThat(pool().endpoint(id(streaming))).isSameAs(streamingEndpoint);
            assertThat(streamingEndpoint.inFlight()).isPositive();

            put(Slices.terminating(slice, streaming.port(), "pod-" + streaming.name()));
            awaitChange(() -> streamingEndpoint.isDraining());
            await().atMost(Duration.ofSeconds(10)).until(() -> streamingEndpoint.inFlight() == 1); // the stream alone
            int streamingServed = streaming.hits();
            awaitMoreRequests(traffic, 20);
            assertThat(streaming.hits()).isEqualTo(streamingServed);
            assertThat(body).isNotDone();

            // The drained stream finishes whole; then the slice goes away and the endpoint with it.
            finishStream.complete();
            assertThat(body.get(10, TimeUnit.SECONDS)).isEqualTo("data: first\n\ndata: last\n\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> streamingEndpoint.inFlight() == 0);
            delete(slice);
            awaitChange(() -> pool().endpoint(id(streaming)) == null);
            streaming.kill();
            int otherServed = traffic.servedBy(other.name());
            awaitMoreRequests(traffic, 20);
            assertThat(traffic.servedBy(other.name()) + traffic.servedBy(c.name())).isGreaterThan(otherServed);

            traffic.close();
            assertThat(traffic.errors()).isEmpty();
            assertThat(traffic.ok()).isGreaterThan(100);
        }
    }

    @Test
    @DisplayName("a Service with no ready endpoint yet answers 503, and the first ready one is used once its slice arrives")
    void noEndpointYetIs503() {
        assertThat(client.get("/v1/models").status()).isEqualTo(503);

        put(Slices.notReady("vllm-a", origins.get(0).port(), "pod-a"));
        put(Slices.ready("vllm-d", origins.get(3).port(), "pod-d"));

        awaitChange(() -> pool().endpoints().size() == 1);
        GatewayClient.Reply reply = client.get("/v1/models");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.headers().get("x-origin")).isEqualTo(origins.get(3).name());
    }

    @Test
    @DisplayName("discovery reports itself synced in readiness data and metrics; discovered endpoints get meters that "
            + "leave with them")
    void syncedIsReported() {
        put(Slices.ready("vllm-a", origins.get(0).port(), "pod-a"));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(managementGet("/q/health/ready"))
                .contains("kubernetes: synced"));
        String endpoint = "endpoint=\"" + id(origins.get(0)) + "\",upstream=\"pods\"";
        assertThat(managementGet("/q/metrics"))
                .contains("ballast_gateway_discovery_synced{upstream=\"pods\"} 1.0")
                .contains("ballast_gateway_discovery_watch_errors_total{upstream=\"pods\"} 0.0")
                .contains("ballast_gateway_endpoint_in_flight{" + endpoint + "} 0.0");

        delete("vllm-a");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(managementGet("/q/metrics"))
                .doesNotContain("ballast_gateway_endpoint_in_flight{" + endpoint));
    }

    private void streamOrEcho(Origin origin, HttpServerRequest request, Promise<Void> finish) {
        if (!request.path().equals("/stream")) {
            origin.echo(request);
            return;
        }
        var response = request.response().putHeader("content-type", "text/event-stream")
                .putHeader("x-origin", origin.name()).setChunked(true);
        response.write("data: first\n\n");
        finish.future().onComplete(done -> origin.vertx().runOnContext(v -> response.end("data: last\n\n")));
    }

    /**
     * Waits (generously: mock API server, watch event, informer thread, pool) for the pool to follow a slice change.
     * The issue asks for "within a second"; that is a latency claim, not something a loaded CI machine can be held to
     * in an assertion, so the elapsed time is printed as evidence instead.
     */
    private void awaitChange(java.util.concurrent.Callable<Boolean> condition) {
        long start = lastChange;
        await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(10))
                .until(condition);
        System.out.printf("KubernetesDiscoveryTest: slice change reached the pool %d ms after it was sent%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    private void awaitMoreRequests(SteadyTraffic traffic, int more) {
        int target = traffic.ok() + more;
        await().atMost(Duration.ofSeconds(20)).until(() -> traffic.ok() >= target || !traffic.errors().isEmpty());
    }

    private UpstreamPool pool() {
        return runtime.upstreams().get("pods").pool();
    }

    private static String id(Origin origin) {
        return "127.0.0.1:" + origin.port();
    }

    /** When the last slice change was sent to the API server (System.nanoTime()). */
    private volatile long lastChange;

    private void put(EndpointSlice slice) {
        lastChange = System.nanoTime();
        api.getClient().discovery().v1().endpointSlices().resource(slice).createOr(NonDeletingOperation::update);
    }

    private void delete(String name) {
        lastChange = System.nanoTime();
        api.getClient().discovery().v1().endpointSlices().withName(name).delete();
    }

    private String managementGet(String path) {
        return GatewayClient.body(management.getPort(), path);
    }
}
