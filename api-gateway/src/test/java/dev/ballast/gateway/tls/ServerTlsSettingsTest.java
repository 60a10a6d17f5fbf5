package dev.ballast.gateway.tls;

import dev.ballast.gateway.config.GatewaySettingsTestSupport;
import dev.ballast.gateway.config.InvalidGatewayConfigException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServerTlsSettingsTest {

    private static final Map<String, String> ENABLED = Map.of(
            "ballast.gateway.tls.enabled", "true",
            "ballast.gateway.tls.cert-file", "/etc/ballast/tls/tls.crt",
            "ballast.gateway.tls.key-file", "/etc/ballast/tls/tls.key");

    private static ServerTlsSettings settings(Map<String, String> properties) {
        return ServerTlsSettings.from(GatewaySettingsTestSupport.config(properties).tls());
    }

    private static Map<String, String> enabledWith(String... keyValues) {
        Map<String, String> properties = new HashMap<>(ENABLED);
        for (int i = 0; i < keyValues.length; i += 2) {
            if (keyValues[i + 1] == null) {
                properties.remove(keyValues[i]);
            } else {
                properties.put(keyValues[i], keyValues[i + 1]);
            }
        }
        return properties;
    }

    @Test
    @DisplayName("no configuration means plain HTTP and no redirect listener")
    void disabledByDefault() {
        assertThat(settings(Map.of())).isEqualTo(ServerTlsSettings.DISABLED);
    }

    @Test
    @DisplayName("enabled with files: re-read every 10 s, TLS 1.2 and 1.3, no redirect")
    void defaults() {
        ServerTlsSettings settings = settings(ENABLED);

        assertThat(settings.enabled()).isTrue();
        assertThat(settings.certFile()).isEqualTo(Path.of("/etc/ballast/tls/tls.crt"));
        assertThat(settings.keyFile()).isEqualTo(Path.of("/etc/ballast/tls/tls.key"));
        assertThat(settings.reloadIntervalMillis()).isEqualTo(10_000);
        assertThat(settings.protocols()).containsExactlyInAnyOrder("TLSv1.2", "TLSv1.3");
        assertThat(settings.redirectPort()).isEmpty();
    }

    @Test
    @DisplayName("the redirect listener takes its port and the HTTPS port to name in Location")
    void redirect() {
        ServerTlsSettings settings = settings(enabledWith("ballast.gateway.tls.redirect-http.enabled", "true",
                "ballast.gateway.tls.redirect-http.port", "8000",
                "ballast.gateway.tls.redirect-http.https-port", "443",
                "ballast.gateway.tls.protocols", "TLSv1.3",
                "ballast.gateway.tls.reload-interval", "0"));

        assertThat(settings.redirectPort()).hasValue(8000);
        assertThat(settings.redirectToPort()).hasValue(443);
        assertThat(settings.protocols()).containsExactly("TLSv1.3");
        assertThat(settings.reloadIntervalMillis()).isZero();
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            "ballast.gateway.tls.cert-file               | null    | ballast.gateway.tls.cert-file",
            "ballast.gateway.tls.key-file                | null    | ballast.gateway.tls.key-file",
            "ballast.gateway.tls.protocols               | TLSv1.1 | ballast.gateway.tls.protocols",
            "ballast.gateway.tls.protocols               | SSLv3   | ballast.gateway.tls.protocols",
            "ballast.gateway.tls.reload-interval         | -1s     | ballast.gateway.tls.reload-interval",
            "ballast.gateway.tls.redirect-http.enabled   | true    | ballast.gateway.tls.redirect-http.port"})
    @DisplayName("invalid TLS configuration stops start-up naming the key")
    void invalid(String key, String value, String namedKey) {
        assertThatThrownBy(() -> settings(enabledWith(key, value)))
                .isInstanceOfSatisfying(InvalidGatewayConfigException.class,
                        e -> assertThat(e.key()).isEqualTo(namedKey));
    }

    @Test
    @DisplayName("a redirect port out of range is refused")
    void redirectPortOutOfRange() {
        assertThatThrownBy(() -> settings(enabledWith("ballast.gateway.tls.redirect-http.enabled", "true",
                "ballast.gateway.tls.redirect-http.port", "70000")))
                .isInstanceOfSatisfying(InvalidGatewayConfigException.class,
                        e -> assertThat(e.key()).isEqualTo("ballast.gateway.tls.redirect-http.port"));
    }

    @Test
    @DisplayName("a redirect to HTTPS without TLS on the traffic port is refused")
    void redirectWithoutTls() {
        assertThatThrownBy(() -> settings(Map.of("ballast.gateway.tls.redirect-http.enabled", "true",
                "ballast.gateway.tls.redirect-http.port", "8000")))
                .isInstanceOfSatisfying(InvalidGatewayConfigException.class,
                        e -> assertThat(e.key()).isEqualTo("ballast.gateway.tls.redirect-http.enabled"));
    }
}
