package dev.ballast.gateway.config;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatewayConfigFileTest {

    /** The running configuration: gateway-wide keys, plus routes the file replaces. */
    private static final GatewayConfig BASE = GatewaySettingsTestSupport.config(Map.of(
            "ballast.gateway.admin.token", "secret",
            "ballast.gateway.upstreams.old.endpoints", "10.0.0.9:80",
            "ballast.gateway.routes.old.prefix", "/old/",
            "ballast.gateway.routes.old.upstream", "old"));

    private static final String FILE = """
            ballast:
              gateway:
                upstreams:
                  llm:
                    endpoints: [10.0.0.1:8000, 10.0.0.2:8000]
                    strategy: least-request
                    health: {path: /health, interval: 2s}
                routes:
                  chat:
                    prefix: /v1/
                    upstream: llm
                    timeouts: {response-headers: 120s}
            """;

    @Test
    @DisplayName("routes and upstreams come from the file, everything else from the running configuration")
    void fileReplacesRoutesAndUpstreams() {
        GatewaySettings settings = GatewaySettings.validate(GatewayConfigFile.parse(FILE, "gateway.yaml", BASE));

        assertThat(settings.routes()).extracting(RouteSettings::name).containsExactly("chat");
        assertThat(settings.routes().get(0).timeouts().responseHeadersMillis()).isEqualTo(120_000);
        assertThat(settings.upstreams()).containsOnlyKeys("llm");
        assertThat(settings.upstreams().get("llm").endpoints()).hasSize(2);
        assertThat(settings.upstreams().get("llm").probe().orElseThrow().intervalMillis()).isEqualTo(2_000);
        assertThat(settings.adminToken()).contains("secret");
    }

    @Test
    @DisplayName("the example in the README (examples/gateway.yaml) is a valid configuration file")
    void exampleIsAValidFile() {
        Path example = Path.of("examples/gateway.yaml");

        GatewaySettings settings = GatewaySettings.validate(GatewayConfigFile.read(example, BASE));

        assertThat(settings.upstreams()).containsOnlyKeys("vllm", "ollama");
        assertThat(settings.routes()).extracting(RouteSettings::name).containsExactlyInAnyOrder("openai", "ollama");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "not YAML|'ballast: [gateway'|ballast.gateway.config-file",
            "no ballast.gateway keys|'routes: {}'|ballast.gateway.config-file",
            "a misspelt key|'ballast: {gateway: {routes: {chat: {prefx: /v1/, upstream: llm}}, upstreams: {llm: {endpoints: [10.0.0.1:80]}}}}'|ballast.gateway.routes.chat",
            "a route naming a missing upstream|'ballast: {gateway: {routes: {chat: {prefix: /v1/, upstream: nope}}}}'|ballast.gateway.routes.chat.upstream",
    })
    void invalidFileNamesTheKey(String what, String yaml, String keyPrefix) {
        assertThatThrownBy(() -> GatewaySettings.validate(GatewayConfigFile.parse(yaml, "gateway.yaml", BASE)))
                .isInstanceOf(InvalidGatewayConfigException.class)
                .satisfies(e -> assertThat(((InvalidGatewayConfigException) e).key()).startsWith(keyPrefix));
    }

    @Test
    @DisplayName("start-up applies the bytes it read, even when the file changed since: the reloader's baseline is "
            + "what runs, so such a change is applied by its first check")
    void startUpAppliesTheContentItRead(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, FILE.replace("chat:", "changed-since:"));
        GatewayConfig config = GatewaySettingsTestSupport.config(Map.of(
                "ballast.gateway.config-file", file.toString(),
                "ballast.gateway.upstreams.old.endpoints", "10.0.0.9:80",
                "ballast.gateway.routes.old.prefix", "/old/",
                "ballast.gateway.routes.old.upstream", "old"));

        GatewaySettings applied = GatewaySettings.from(config, FILE.getBytes(StandardCharsets.UTF_8));
        GatewaySettings now = GatewaySettings.from(config);

        assertThat(applied.routes()).extracting(RouteSettings::name).containsExactly("chat");
        assertThat(now.routes()).extracting(RouteSettings::name).containsExactly("changed-since");
    }

    @Test
    @DisplayName("a file that is not UTF-8 is refused naming ballast.gateway.config-file, not read with replacement "
            + "characters")
    void notUtf8Refused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("gateway.yaml");
        byte[] latin1 = FILE.replace("chat:", "caf\u00e9:").getBytes(StandardCharsets.ISO_8859_1);
        Files.write(file, latin1);

        assertThatThrownBy(() -> GatewayConfigFile.read(file, BASE))
                .isInstanceOf(InvalidGatewayConfigException.class)
                .hasMessageContaining("ballast.gateway.config-file: " + file + " is not UTF-8 text");
    }

    @Test
    @DisplayName("a missing file is refused naming ballast.gateway.config-file")
    void missingFile() {
        assertThatThrownBy(() -> GatewayConfigFile.read(Path.of("does/not/exist.yaml"), BASE))
                .isInstanceOf(InvalidGatewayConfigException.class)
                .hasMessageContaining("ballast.gateway.config-file: cannot read does/not/exist.yaml");
    }
}
