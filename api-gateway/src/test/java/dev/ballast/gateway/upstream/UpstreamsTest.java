package dev.ballast.gateway.upstream;

import dev.ballast.gateway.config.GatewaySettings;
import dev.ballast.gateway.config.GatewaySettingsTestSupport;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.TimeSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class UpstreamsTest {

    private static final Map<String, String> BASE = Map.of(
            "ballast.gateway.upstreams.llm.endpoints", "10.0.0.1:8000,10.0.0.2:8000",
            "ballast.gateway.upstreams.ollama.endpoints", "10.0.1.1:11434",
            "ballast.gateway.routes.chat.prefix", "/v1/",
            "ballast.gateway.routes.chat.upstream", "llm",
            "ballast.gateway.routes.ollama.prefix", "/api/",
            "ballast.gateway.routes.ollama.upstream", "ollama");

    private final Upstreams upstreams = new Upstreams(settings(Map.of()), TimeSource.system());
    private final List<UpstreamRuntime> released = new ArrayList<>();

    {
        upstreams.onRelease(released::add);
    }

    @Test
    @DisplayName("changed static endpoints are updated in place: same generation, same pool, survivors keep state")
    void endpointsUpdatedInPlace() {
        UpstreamRuntime llm = upstreams.get("llm");
        Endpoint survivor = llm.pool().endpoint("10.0.0.1:8000");

        Upstreams.Change change = upstreams.apply(settings(Map.of(
                "ballast.gateway.upstreams.llm.endpoints", "10.0.0.1:8000,10.0.0.3:8000")));

        assertThat(change.updated()).containsExactly("llm");
        assertThat(upstreams.get("llm")).isSameAs(llm);
        assertThat(llm.pool().endpoint("10.0.0.1:8000")).isSameAs(survivor);
        assertThat(llm.pool().endpoints()).extracting(Endpoint::id).containsExactly("10.0.0.1:8000", "10.0.0.3:8000");
        assertThat(llm.settings().endpoints()).hasSize(2);
    }

    @Test
    @DisplayName("changed connection settings make a new generation that shares the pool; the old one is released "
            + "once its last request ends")
    void connectionSettingsMakeANewGeneration() {
        UpstreamRuntime old = upstreams.get("llm");
        old.requestStarted();

        Upstreams.Change change = upstreams.apply(settings(Map.of(
                "ballast.gateway.upstreams.llm.max-connections-per-endpoint", "8")));

        UpstreamRuntime next = upstreams.get("llm");
        assertThat(change.replaced()).containsExactly("llm");
        assertThat(next).isNotSameAs(old);
        assertThat(next.index()).isGreaterThan(old.index());
        assertThat(next.pool()).isSameAs(old.pool());
        upstreams.sweepRetired();
        upstreams.sweepRetired();
        assertThat(released).isEmpty();
        old.requestEnded();
        upstreams.sweepRetired();
        assertThat(released).containsExactly(old);
    }

    @Test
    @DisplayName("a new route timeout that changes the connection idle timeout also makes a new generation")
    void routeTimeoutChangesConnectionIdle() {
        UpstreamRuntime old = upstreams.get("llm");

        upstreams.apply(settings(Map.of("ballast.gateway.routes.chat.timeouts.idle", "300s")));

        assertThat(old.connectionIdleMillis()).isEqualTo(60_000);
        assertThat(upstreams.get("llm").connectionIdleMillis()).isEqualTo(300_000);
    }

    @Test
    @DisplayName("changed pool settings need a new library pool; unchanged upstreams are untouched")
    void strategyChangeMakesANewPool() {
        UpstreamRuntime llm = upstreams.get("llm");
        UpstreamRuntime ollama = upstreams.get("ollama");

        upstreams.apply(settings(Map.of("ballast.gateway.upstreams.llm.strategy", "least-conn")));

        assertThat(upstreams.get("llm").pool()).isNotSameAs(llm.pool());
        assertThat(upstreams.get("ollama")).isSameAs(ollama);
    }

    @Test
    @DisplayName("a removed upstream still resolves for requests routed just before, then is gone and released")
    void removedUpstream() {
        UpstreamRuntime ollama = upstreams.get("ollama");
        Map<String, String> withoutOllama = new HashMap<>(BASE);
        withoutOllama.remove("ballast.gateway.upstreams.ollama.endpoints");
        withoutOllama.remove("ballast.gateway.routes.ollama.prefix");
        withoutOllama.remove("ballast.gateway.routes.ollama.upstream");

        Upstreams.Change change = upstreams.apply(GatewaySettingsTestSupport.settings(withoutOllama));

        assertThat(change.removed()).containsExactly("ollama");
        assertThat(upstreams.all()).extracting(UpstreamRuntime::name).containsExactly("llm");
        assertThat(upstreams.get("ollama")).isSameAs(ollama);
        upstreams.sweepRetired();
        assertThat(upstreams.get("ollama")).isNull();
        upstreams.sweepRetired();
        assertThat(released).containsExactly(ollama);
        assertThat(upstreams.retiredCount()).isZero();
    }

    @Test
    @DisplayName("an added upstream gets a fresh generation index and its endpoints")
    void addedUpstream() {
        Upstreams.Change change = upstreams.apply(settings(Map.of(
                "ballast.gateway.upstreams.tgi.endpoints", "10.0.2.1:80")));

        assertThat(change.added()).containsExactly("tgi");
        assertThat(upstreams.get("tgi").index()).isEqualTo(2);
        assertThat(upstreams.get("tgi").pool().endpoints()).hasSize(1);
    }

    @Test
    @DisplayName("a discovered upstream that needs a new pool starts it with the endpoints the old one served")
    void discoveredUpstreamNewPoolIsSeeded() {
        Map<String, String> discovered = new HashMap<>(BASE);
        discovered.remove("ballast.gateway.upstreams.llm.endpoints");
        discovered.put("ballast.gateway.upstreams.llm.kubernetes.service", "vllm");
        Upstreams pods = new Upstreams(GatewaySettingsTestSupport.settings(discovered), TimeSource.system());
        pods.get("llm").pool().update(List.of(dev.ballast.lb.EndpointSpec.of("10.0.0.7", 8000),
                dev.ballast.lb.EndpointSpec.of("10.0.0.8", 8000)));
        pods.get("llm").pool().drain("10.0.0.8:8000");
        discovered.put("ballast.gateway.upstreams.llm.strategy", "least-conn");

        pods.apply(GatewaySettingsTestSupport.settings(discovered));

        assertThat(pods.get("llm").pool().endpoints()).extracting(Endpoint::id).containsExactly("10.0.0.7:8000");
    }

    private static GatewaySettings settings(Map<String, String> overrides) {
        Map<String, String> properties = new HashMap<>(BASE);
        properties.putAll(overrides);
        return GatewaySettingsTestSupport.settings(properties);
    }
}
