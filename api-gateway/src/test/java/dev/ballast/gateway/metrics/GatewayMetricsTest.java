package dev.ballast.gateway.metrics;

import dev.ballast.gateway.config.GatewaySettings;
import dev.ballast.gateway.config.GatewaySettingsTestSupport;
import dev.ballast.gateway.upstream.Upstreams;
import dev.ballast.lb.TimeSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.distribution.pause.NoPauseDetector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Where the gateway's meters are registered: the hot path must not record through Quarkus' composite registry. */
class GatewayMetricsTest {

    private static final GatewaySettings SETTINGS = GatewaySettingsTestSupport.settings(Map.of(
            "ballast.gateway.upstreams.llm.endpoints", "10.0.0.1:8000",
            "ballast.gateway.routes.chat.prefix", "/v1/",
            "ballast.gateway.routes.chat.upstream", "llm"));

    private static GatewayMetrics metrics(MeterRegistry registry) {
        return new GatewayMetrics(registry, SETTINGS.routes(), new Upstreams(SETTINGS, TimeSource.system()));
    }

    @Test
    @DisplayName("behind a composite with one registry, every gateway meter goes straight to that registry, whose "
            + "timers run without a pause detector")
    void compositeWithOneRegistryIsBypassed() {
        SimpleMeterRegistry prometheusLike = new SimpleMeterRegistry();
        CompositeMeterRegistry composite = new CompositeMeterRegistry();
        composite.add(prometheusLike);

        metrics(composite);

        assertThat(composite.find("ballast.gateway.request.duration").timer()).as("not in the composite").isNull();
        assertThat(composite.find("ballast.gateway.unmatched.requests").counter()).isNull();
        assertThat(prometheusLike.find("ballast.gateway.request.duration").tag("route", "chat").timer()).isNotNull();
        assertThat(prometheusLike.find("ballast.gateway.unmatched.requests").counter()).isNotNull();
        assertThat(prometheusLike.config().pauseDetector()).isInstanceOf(NoPauseDetector.class);
    }

    @Test
    @DisplayName("behind a composite with two registries, the meters stay in the composite so both get them")
    void compositeWithTwoRegistriesIsKept() {
        SimpleMeterRegistry first = new SimpleMeterRegistry();
        SimpleMeterRegistry second = new SimpleMeterRegistry();
        CompositeMeterRegistry composite = new CompositeMeterRegistry();
        composite.add(first).add(second);

        metrics(composite);

        assertThat(first.find("ballast.gateway.request.duration").timer()).isNotNull();
        assertThat(second.find("ballast.gateway.request.duration").timer()).isNotNull();
        assertThat(composite.find("ballast.gateway.request.duration").timer()).isNotNull();
    }
}
