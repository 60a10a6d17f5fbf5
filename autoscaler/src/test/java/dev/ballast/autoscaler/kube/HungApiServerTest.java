package dev.ballast.autoscaler.kube;

import dev.ballast.autoscaler.source.PrometheusAnswers;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ballast.autoscaler.engine.Condition;
import dev.ballast.autoscaler.engine.Decision;
import dev.ballast.autoscaler.kube.testing.KubeApiServer;
import dev.ballast.autoscaler.kube.testing.KubeApiServerResource;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.autoscaler.registry.PolicyRegistry;
import dev.ballast.autoscaler.runtime.PolicyTicker;
import dev.ballast.autoscaler.runtime.TestClock;
import dev.ballast.testing.LoopbackHttpServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A hung API server under a short request timeout (its own profile, so the other Kubernetes tests keep a generous
 * one): the tick costs one request timeout and reports FailedGetScale instead of hanging.
 */
@QuarkusTest
@TestProfile(KubernetesTicks.ShortRequestTimeout.class)
@QuarkusTestResource(value = KubeApiServerResource.class, restrictToAnnotatedClass = true)
class HungApiServerTest {

    @KubeApiServerResource.Inject
    KubeApiServer api;
    @Inject
    PolicyRegistry registry;
    @Inject
    PolicyTicker ticker;
    @Inject
    TestClock clock;
    @Inject
    ObjectMapper json;

    @Test
    @DisplayName("a hung API server costs one request timeout and gives FailedGetScale, not a stuck loop")
    void hungApiServer() throws Exception {
        new Workloads(api.client()).deployment("hung", 2);
        try (LoopbackHttpServer prometheus = LoopbackHttpServer.start().respond("/api/v1/query", 200, "application/json",
                PrometheusAnswers.vector("55"))) {
            PolicyKey key = new PolicyKey("test", "hung");
            registry.upsert(key, json.readValue("""
                    {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "hung"}, "minReplicas": 1, "maxReplicas": 10,
                     "metrics": [{"type": "External", "external": {"metric": {"name": "waiting"}, "target": {"type": "AverageValue", "averageValue": "10"}}}],
                     "ballast": {"sources": [{"metric": "waiting", "prometheus": {"serverAddress": "%s", "query": "sum(waiting)"}}]}}"""
                    .formatted(prometheus.url("")), ScalingPolicySpec.class));
            api.delayNext("GET", "/deployments/hung/scale$", Duration.ofSeconds(30), 1);
            clock.advance(Duration.ofHours(1));

            Decision d = ticker.tick(key).orElseThrow();

            assertThat(d.condition(Condition.ABLE_TO_SCALE).reason()).isEqualTo("FailedGetScale");
            assertThat(d.condition(Condition.ABLE_TO_SCALE).message()).contains("no answer from the API server", "2000ms");
            assertThat(api.client().apps().deployments().withName("hung").get().getSpec().getReplicas()).isEqualTo(2);
        }
    }
}
