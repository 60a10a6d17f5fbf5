package dev.ballast.gateway.config;

import dev.ballast.lb.ClientIpHeader;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatewaySettingsTest {

    private static final Map<String, String> VALID = Map.of(
            "ballast.gateway.upstreams.llm.endpoints", "10.0.0.1:8000;weight=3;zone=a,10.0.0.2:8000",
            "ballast.gateway.upstreams.llm.strategy", "least-request",
            "ballast.gateway.routes.chat.prefix", "/v1/",
            "ballast.gateway.routes.chat.upstream", "llm");

    static GatewaySettings settings(Map<String, String> properties) {
        return GatewaySettingsTestSupport.settings(properties);
    }

    static Map<String, String> validWith(String key, String value) {
        Map<String, String> properties = new HashMap<>(VALID);
        properties.put(key, value);
        return properties;
    }

    @Test
    @DisplayName("a valid configuration becomes settings with documented defaults filled in")
    void validConfiguration() {
        GatewaySettings settings = settings(VALID);

        RouteSettings chat = settings.routes().get(0);
        assertThat(chat.prefix()).isEqualTo("/v1/");
        assertThat(chat.timeouts()).isEqualTo(new TimeoutSettings(5000, 60000, 60000, 0));
        assertThat(chat.retries().maxTries()).isEqualTo(3);
        assertThat(chat.retries().statuses()).containsExactlyInAnyOrder(502, 503, 504);
        assertThat(chat.retries().backoffBaseMillis()).isEqualTo(25);
        assertThat(chat.maxBodySize()).isEqualTo(10 * 1024 * 1024);
        UpstreamSettings llm = settings.upstreams().get("llm");
        assertThat(llm.endpoints()).hasSize(2);
        assertThat(llm.endpoints().get(0).weight()).isEqualTo(3);
        assertThat(llm.endpoints().get(0).zone()).isEqualTo("a");
        assertThat(llm.endpoints().get(0).id()).isEqualTo("10.0.0.1:8000");
        assertThat(llm.probe()).isEmpty();
        assertThat(settings.adminToken()).isEmpty();
        assertThat(settings.readiness()).isEqualTo(GatewaySettings.ReadinessMode.ALL_ROUTES);
        assertThat(settings.clientIpHeader()).isEqualTo(ClientIpHeader.X_FORWARDED_FOR);
    }

    @ParameterizedTest(name = "client-ip.header={0}")
    @CsvSource({"x-forwarded-for,X_FORWARDED_FOR", "X-Forwarded-For,X_FORWARDED_FOR", "forwarded,FORWARDED",
            "' Forwarded ',FORWARDED"})
    @DisplayName("client-ip.header names the one forwarding header believed, in any case")
    void clientIpHeader(String value, ClientIpHeader expected) {
        assertThat(settings(validWith("ballast.gateway.client-ip.header", value)).clientIpHeader()).isEqualTo(expected);
    }

    @Test
    @DisplayName("an unknown client-ip.header fails start-up naming the key and the allowed values")
    void unknownClientIpHeader() {
        assertThatThrownBy(() -> settings(validWith("ballast.gateway.client-ip.header", "x-real-ip")))
                .isInstanceOf(InvalidGatewayConfigException.class)
                .hasMessage("Invalid gateway configuration: ballast.gateway.client-ip.header: 'x-real-ip' is not one "
                        + "of x-forwarded-for, forwarded (the header the trusted proxies append to)");
    }

    @Test
    @DisplayName("no configuration at all is valid: the gateway starts and answers 404")
    void emptyConfiguration() {
        GatewaySettings settings = settings(Map.of());

        assertThat(settings.routes()).isEmpty();
        assertThat(settings.upstreams()).isEmpty();
    }

    @Test
    @DisplayName("consistent-hash on a header keeps the header name for the proxy to read")
    void hashHeader() {
        Map<String, String> properties = validWith("ballast.gateway.upstreams.llm.strategy", "consistent-hash");
        properties.put("ballast.gateway.upstreams.llm.hash-key", "header:X-Session-Id");

        assertThat(settings(properties).upstreams().get("llm").hashHeader()).isEqualTo("X-Session-Id");
    }

    @Test
    @DisplayName("a route's rate limit keeps its rate, burst, key and fail mode; unlimited routes have none")
    void rateLimit() {
        Map<String, String> properties = validWith("ballast.gateway.routes.chat.rate-limit.rate", "600/m");
        properties.put("ballast.gateway.routes.chat.rate-limit.burst", "20");
        properties.put("ballast.gateway.routes.chat.rate-limit.key", "header:X-Api-Key");
        properties.put("ballast.gateway.routes.chat.rate-limit.fail-mode", "closed");
        properties.put("ballast.gateway.rate-limit.replicas", "3");

        GatewaySettings settings = settings(properties);

        assertThat(settings.routes().get(0).rateLimit()).isEqualTo(new dev.ballast.gateway.ratelimit.RateLimitRule(
                dev.ballast.gateway.ratelimit.Rate.parse("600/m"), 20,
                dev.ballast.gateway.ratelimit.RateLimitRule.KeySource.HEADER, "X-Api-Key",
                dev.ballast.gateway.ratelimit.RateLimitRule.FailMode.CLOSED));
        assertThat(settings.rateLimitReplicas()).isEqualTo(3);
        assertThat(settings.redisTimeoutMillis()).isEqualTo(50);
        assertThat(settings(VALID).routes().get(0).rateLimit()).isNull();
        assertThat(settings(VALID).rateLimited()).isFalse();
    }

    @Test
    @DisplayName("an upstream may name a Kubernetes Service instead of endpoints; namespace and port are optional")
    void kubernetesService() {
        Map<String, String> properties = new HashMap<>(VALID);
        properties.remove("ballast.gateway.upstreams.llm.endpoints");
        properties.put("ballast.gateway.upstreams.llm.kubernetes.service", "vllm");
        properties.put("ballast.gateway.upstreams.llm.kubernetes.port", "http");

        UpstreamSettings llm = settings(properties).upstreams().get("llm");

        assertThat(llm.endpoints()).isEmpty();
        assertThat(llm.kubernetes()).contains(new KubernetesService(null, "vllm", "http"));
        assertThat(settings(VALID).upstreams().get("llm").kubernetes()).isEmpty();
    }

    @ParameterizedTest(name = "kubernetes.{0}={1} is refused naming {2}")
    @CsvSource(delimiter = '|', value = {
            "service|VLLM|ballast.gateway.upstreams.llm.kubernetes.service",
            "service|vllm_1|ballast.gateway.upstreams.llm.kubernetes.service",
            "namespace|Inference|ballast.gateway.upstreams.llm.kubernetes.namespace",
            "port|0|ballast.gateway.upstreams.llm.kubernetes.port",
            "port|70000|ballast.gateway.upstreams.llm.kubernetes.port",
            "port|http_api|ballast.gateway.upstreams.llm.kubernetes.port",
            "port|a-very-long-port-name|ballast.gateway.upstreams.llm.kubernetes.port",
    })
    void invalidKubernetesServiceNamesItsKey(String key, String value, String namedKey) {
        Map<String, String> properties = new HashMap<>(VALID);
        properties.remove("ballast.gateway.upstreams.llm.endpoints");
        properties.put("ballast.gateway.upstreams.llm.kubernetes.service", "vllm");
        properties.put("ballast.gateway.upstreams.llm.kubernetes." + key, value);

        assertThatThrownBy(() -> settings(properties)).isInstanceOf(InvalidGatewayConfigException.class)
                .satisfies(e -> assertThat(((InvalidGatewayConfigException) e).key()).isEqualTo(namedKey));
    }

    @Test
    @DisplayName("static endpoints and a Kubernetes Service are exclusive, and namespace or port need a service")
    void kubernetesIsExclusiveWithEndpoints() {
        Map<String, String> both = validWith("ballast.gateway.upstreams.llm.kubernetes.service", "vllm");
        Map<String, String> portOnly = validWith("ballast.gateway.upstreams.llm.kubernetes.port", "http");
        Map<String, String> neither = new HashMap<>(VALID);
        neither.remove("ballast.gateway.upstreams.llm.endpoints");

        assertThatThrownBy(() -> settings(both)).hasMessageContaining(
                "ballast.gateway.upstreams.llm.kubernetes.service: is exclusive with ballast.gateway.upstreams.llm.endpoints");
        assertThatThrownBy(() -> settings(portOnly)).hasMessageContaining(
                "ballast.gateway.upstreams.llm.kubernetes.service: is required");
        assertThatThrownBy(() -> settings(neither)).hasMessageContaining(
                "ballast.gateway.upstreams.llm.endpoints: needs at least one host:port, or kubernetes.service");
    }

    @ParameterizedTest(name = "{0}={1} is refused naming the key")
    @CsvSource(delimiter = '|', value = {
            "ballast.gateway.routes.chat.upstream|nope|ballast.gateway.routes.chat.upstream",
            "ballast.gateway.routes.chat.prefix|v1|ballast.gateway.routes.chat.prefix",
            "ballast.gateway.routes.chat.methods|GET,p-st|ballast.gateway.routes.chat.methods",
            "ballast.gateway.routes.chat.rewrite-prefix|internal|ballast.gateway.routes.chat.rewrite-prefix",
            "ballast.gateway.routes.chat.retries.max-tries|0|ballast.gateway.routes.chat.retries.max-tries",
            "ballast.gateway.routes.chat.retries.statuses|502,700|ballast.gateway.routes.chat.retries.statuses",
            "ballast.gateway.routes.chat.retries.backoff-max|1ms|ballast.gateway.routes.chat.retries.backoff-max",
            "ballast.gateway.routes.chat.timeouts.connect|0s|ballast.gateway.routes.chat.timeouts.connect",
            "ballast.gateway.upstreams.llm.endpoints|10.0.0.1|ballast.gateway.upstreams.llm.endpoints",
            "ballast.gateway.upstreams.llm.endpoints|10.0.0.1:99999|ballast.gateway.upstreams.llm.endpoints",
            "ballast.gateway.upstreams.llm.endpoints|10.0.0.1:80;weight=0|ballast.gateway.upstreams.llm.endpoints",
            "ballast.gateway.upstreams.llm.endpoints|10.0.0.1:80;wieght=2|ballast.gateway.upstreams.llm.endpoints",
            "ballast.gateway.upstreams.llm.endpoints|10.0.0.1:80;10.0.0.1:80|ballast.gateway.upstreams.llm.endpoints",
            "ballast.gateway.upstreams.llm.strategy|fastest|ballast.gateway.upstreams.llm.strategy",
            "ballast.gateway.upstreams.llm.hash-key|body:x|ballast.gateway.upstreams.llm.hash-key",
            "ballast.gateway.upstreams.llm.panic-threshold|1.5|ballast.gateway.upstreams.llm.panic-threshold",
            "ballast.gateway.upstreams.llm.outlier.max-ejection-percent|101|ballast.gateway.upstreams.llm.outlier.max-ejection-percent",
            "ballast.gateway.upstreams.llm.slow-start|-1s|ballast.gateway.upstreams.llm.slow-start",
            "ballast.gateway.upstreams.llm.max-connections-per-endpoint|0|ballast.gateway.upstreams.llm.max-connections-per-endpoint",
            "ballast.gateway.upstreams.llm.health.path|healthz|ballast.gateway.upstreams.llm.health.path",
            "ballast.gateway.client-ip.trusted-proxies|10.0.0.0/99|ballast.gateway.client-ip.trusted-proxies",
            "ballast.gateway.client-ip.header|x-real-ip|ballast.gateway.client-ip.header",
            "ballast.gateway.client-ip.header|x-forwarded-for,forwarded|ballast.gateway.client-ip.header",
            "ballast.gateway.readiness.mode|sometimes|ballast.gateway.readiness.mode",
            "ballast.gateway.routes.chat.rate-limit.rate|10/d|ballast.gateway.routes.chat.rate-limit.rate",
            "ballast.gateway.routes.chat.rate-limit.rate|0/s|ballast.gateway.routes.chat.rate-limit.rate",
            "ballast.gateway.routes.chat.rate-limit.burst|0|ballast.gateway.routes.chat.rate-limit.burst",
            "ballast.gateway.routes.chat.rate-limit.key|cookie:sid|ballast.gateway.routes.chat.rate-limit.key",
            "ballast.gateway.routes.chat.rate-limit.key|header:|ballast.gateway.routes.chat.rate-limit.key",
            "ballast.gateway.routes.chat.rate-limit.fail-mode|maybe|ballast.gateway.routes.chat.rate-limit.fail-mode",
            "ballast.gateway.rate-limit.replicas|0|ballast.gateway.rate-limit.replicas",
            "ballast.gateway.rate-limit.redis-timeout|0s|ballast.gateway.rate-limit.redis-timeout",
    })
    void invalidValueNamesItsKey(String key, String value, String namedKey) {
        Map<String, String> properties = validWith(key, value);
        if (key.contains(".rate-limit.") && !key.endsWith(".rate")) {
            properties.put("ballast.gateway.routes.chat.rate-limit.rate", "10/s");
        }
        if (key.endsWith(".health.path")) {
            properties.put("ballast.gateway.upstreams.llm.health.interval", "1s");
        }

        assertThatThrownBy(() -> settings(properties))
                .isInstanceOf(InvalidGatewayConfigException.class)
                .hasMessageStartingWith("Invalid gateway configuration: " + namedKey + ": ")
                .extracting(e -> ((InvalidGatewayConfigException) e).key()).isEqualTo(namedKey);
    }

    @Test
    @DisplayName("the YAML example in the README (examples/gateway.yaml) is a valid configuration")
    void yamlExample() throws Exception {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withConverter(Duration.class, 200, new DurationConverter())
                .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                .withMapping(GatewayConfig.class)
                .withSources(new io.smallrye.config.source.yaml.YamlConfigSource(
                        java.nio.file.Path.of("examples/gateway.yaml").toUri().toURL()))
                .build();

        GatewaySettings settings = GatewaySettings.from(config.getConfigMapping(GatewayConfig.class));

        assertThat(settings.upstreams()).containsOnlyKeys("vllm", "ollama");
        assertThat(settings.upstreams().get("vllm").endpoints()).hasSize(3);
        assertThat(settings.upstreams().get("ollama").hashHeader()).isEqualTo("X-Session-Id");
        assertThat(settings.routes()).extracting(RouteSettings::rewriteTo).containsExactlyInAnyOrder(null, "/api/");
        assertThat(settings.adminToken()).contains("change-me");
        assertThat(settings.clientIpHeader()).isEqualTo(ClientIpHeader.X_FORWARDED_FOR);
    }

    @Test
    @DisplayName("two routes with the same prefix, host and methods are refused")
    void duplicateRoutes() {
        Map<String, String> properties = new HashMap<>(VALID);
        properties.put("ballast.gateway.routes.other.prefix", "/v1/");
        properties.put("ballast.gateway.routes.other.upstream", "llm");

        assertThatThrownBy(() -> settings(properties))
                .hasMessageContaining("ballast.gateway.routes.other.prefix")
                .hasMessageContaining("route 'chat' already matches");
    }
}
