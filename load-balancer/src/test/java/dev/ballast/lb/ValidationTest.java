package dev.ballast.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("configuration values are validated with messages that say what to fix")
class ValidationTest {

    @ParameterizedTest(name = "weight {0} is rejected")
    @CsvSource({"0", "-1", "1001"})
    void weightOutsideOneToThousand(int weight) {
        assertThatThrownBy(() -> EndpointSpec.of("10.0.0.1", 80, weight))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("endpoint 10.0.0.1:80: weight " + weight + " is outside 1..1000");
    }

    @Test
    void idDefaultsToHostAndPortWithBracketsForIpv6() {
        assertThat(EndpointSpec.of("10.0.0.1", 80, 1).id()).isEqualTo("10.0.0.1:80");
        assertThat(EndpointSpec.of("fd00::1", 8080, 1).id()).isEqualTo("[fd00::1]:8080");
        assertThat(new EndpointSpec("pod-7", "10.0.0.1", 80, 1, null, null).id()).isEqualTo("pod-7");
    }

    @Test
    void badPortsAndHostsAreNamed() {
        assertThatThrownBy(() -> EndpointSpec.of("10.0.0.1", 0, 1)).hasMessageContaining("port 0");
        assertThatThrownBy(() -> EndpointSpec.of(" ", 80, 1)).hasMessageContaining("host must not be blank");
    }

    @Test
    void poolSettingsAreChecked() {
        assertRejected(() -> PoolConfig.builder().panicThreshold(1.5).build(),
                "panicThreshold 1.5 must be within 0..1");
        assertRejected(() -> PoolConfig.builder().passive(-1, Duration.ofSeconds(1)).build(), "maxFails -1");
        assertRejected(() -> PoolConfig.builder().passive(1, Duration.ZERO).build(),
                "failTimeout PT0S must be positive");
        assertRejected(() -> PoolConfig.builder().outlier(5, 5, Duration.ofSeconds(30), Duration.ofSeconds(300), 101)
                .build(), "maxEjectionPercent 101");
        assertRejected(() -> PoolConfig.builder().activeHealth(0, 3, true).build(), "rise 0 must be at least 1");
        assertRejected(() -> PoolConfig.builder().slowStart(Duration.ofSeconds(-1)).build(), "slowStart");
        assertRejected(() -> StrategyConfig.consistentHash(HashKeySource.clientIp(), 0.5), "boundedLoadFactor 0.5");
        assertRejected(() -> StrategyConfig.leastRequest(-1), "activeRequestBias -1.0");
        assertRejected(() -> HashKeySource.header(""), "needs a header name");
        assertRejected(() -> UpstreamPool.create(" ", PoolConfig.defaults(), TimeSource.system()), "pool name");
    }

    @Test
    void defaultsMirrorTheAnchors() {
        PoolConfig d = PoolConfig.defaults();

        assertThat(List.of(d.maxFails(), d.consecutive5xx(), d.consecutiveGatewayFailures(), d.maxEjectionPercent(),
                d.rise(), d.fall())).containsExactly(1, 5, 5, 10, 2, 3);
        assertThat(List.of(d.failTimeout(), d.baseEjectionTime(), d.maxEjectionTime(), d.activeInterval()))
                .containsExactly(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(300),
                        Duration.ofSeconds(2));
        assertThat(d.panicThreshold()).isEqualTo(0.5);
        assertThat(d.slowStart()).isZero();
        assertThat(d.initialHealthy()).isTrue();
        assertThat(d.toBuilder().build()).isEqualTo(d);
    }

    @ParameterizedTest(name = "HTTP {0} is {1}")
    @CsvSource({"200, SUCCESS", "101, SUCCESS", "304, SUCCESS", "404, SUCCESS", "429, SUCCESS", "500, SERVER_ERROR",
            "501, SERVER_ERROR", "502, GATEWAY_FAILURE", "503, GATEWAY_FAILURE", "504, GATEWAY_FAILURE",
            "505, SERVER_ERROR", "599, SERVER_ERROR"})
    void outcomeOfStatus(int status, Outcome expected) {
        assertThat(Outcome.ofStatus(status)).isEqualTo(expected);
    }

    @Test
    void statusesOutsideHttpAreRejected() {
        assertRejected(() -> Outcome.ofStatus(99), "HTTP status 99 is outside 100..599");
        assertRejected(() -> Outcome.ofStatus(600), "HTTP status 600");
    }

    private static void assertRejected(Executable action, String message) {
        assertThatThrownBy(action::execute).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }
}
