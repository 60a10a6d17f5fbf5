package dev.ballast.gateway.reload;

import dev.ballast.gateway.discovery.SteadyTraffic;
import dev.ballast.gateway.testing.GatewayClient;
import dev.ballast.gateway.testing.GatewayTestBase;
import dev.ballast.gateway.testing.Origins;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A reload that turns a static upstream into a discovered one and back: discovery starts and stops with it. */
@QuarkusTest
@TestProfile(DiscoveryReloadTest.Profile.class)
@WithKubernetesTestServer
@QuarkusTestResource(value = Origins.class, restrictToAnnotatedClass = true)
class DiscoveryReloadTest extends GatewayTestBase {

    static final String STATIC = """
            ballast:
              gateway:
                upstreams:
                  pods:
                    endpoints: ["${test.origin.0}"]
                routes:
                  all:
                    prefix: /
                    upstream: pods
            """;

    static final String DISCOVERED = """
            ballast:
              gateway:
                upstreams:
                  pods:
                    kubernetes: {service: vllm, port: http}
                routes:
                  all:
                    prefix: /
                    upstream: pods
            """;

    static final ConfigMapVolume VOLUME = new ConfigMapVolume(STATIC.replace("${test.origin.0}", "127.0.0.1:9"));

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ballast.gateway.config-file", VOLUME.file().toString());
        }
    }

    @KubernetesTestServer
    KubernetesServer api;

    @Inject
    MeterRegistry registry;

    @Test
    @DisplayName("static → discovered → static: the informer starts and stops with the upstream that names it, and "
            + "requests keep succeeding while it switches")
    void upstreamSwitchesBetweenStaticAndDiscovered() throws Exception {
        VOLUME.applyAndWait(STATIC, origins, registry);
        assertThat(client.get("/x").headers().get("x-origin")).isEqualTo(origins.get(0).name());
        api.getClient().discovery().v1().endpointSlices().resource(new EndpointSliceBuilder()
                .withNewMetadata().withName("vllm-1").addToLabels("kubernetes.io/service-name", "vllm").endMetadata()
                .withAddressType("IPv4")
                .addNewPort().withName("http").withPort(origins.get(1).port()).withProtocol("TCP").endPort()
                .addNewEndpoint().withAddresses("127.0.0.1").withNewConditions().withReady(true).endConditions()
                .endEndpoint().build()).createOr(NonDeletingOperation::update);

        try (SteadyTraffic traffic = new SteadyTraffic(gateway.getPort(), "/x")) {
            VOLUME.applyAndWait(DISCOVERED, origins, registry);

            await().atMost(Duration.ofSeconds(10)).until(() -> traffic.servedBy(origins.get(1).name()) > 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> runtime.upstreams().get("pods").pool().endpoints()
                    .size() == 1);
            traffic.close();
            assertThat(traffic.errors()).as("no request failed while the upstream switched to discovery").isEmpty();
        }
        assertThat(client.get("/x").headers().get("x-origin")).isEqualTo(origins.get(1).name());
        assertThat(registry.find("ballast.gateway.discovery.synced").tag("upstream", "pods").gauge()).isNotNull();

        VOLUME.applyAndWait(STATIC.replace("test.origin.0", "test.origin.2"), origins, registry);

        GatewayClient.Reply reply = client.get("/x");
        assertThat(reply.headers().get("x-origin")).isEqualTo(origins.get(2).name());
        assertThat(registry.find("ballast.gateway.discovery.synced").tag("upstream", "pods").gauge()).isNull();
        assertThat(runtime.upstreams().get("pods").pool().endpoints()).hasSize(1);
    }
}
