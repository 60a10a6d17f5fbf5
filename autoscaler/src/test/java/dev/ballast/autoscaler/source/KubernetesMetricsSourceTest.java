package dev.ballast.autoscaler.source;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** PodMetrics read as the HPA's resource metrics client reads them (getPodMetrics, getContainerMetrics). */
class KubernetesMetricsSourceTest {

    @Test
    @DisplayName("a pod's usage is the sum over its containers, in milli-units; a resource one container lacks is absent")
    void podSums() throws Exception {
        PodUsage u = KubernetesMetricsSource.podUsage(new ObjectMapper().readTree("""
                {"metadata":{"name":"p"},"timestamp":"2026-01-01T00:00:00Z","window":"30s",
                 "containers":[{"name":"a","usage":{"cpu":"250m","memory":"100Mi"}},{"name":"b","usage":{"cpu":"1500000n"}}]}"""));

        assertThat(u.usageMilli()).isEqualTo(Map.of("cpu", 252L));
        assertThat(u.containers().get("a")).containsEntry("memory", 100L * 1024 * 1024 * 1000);
        assertThat(u.containers().get("b")).as("1.5 millicores rounds up as MilliValue").containsEntry("cpu", 2L);
        assertThat(u.timestamp()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(u.windowSeconds()).isEqualTo(30);
    }

    @Test
    @DisplayName("a pod without containers has no usage at all")
    void noContainers() throws Exception {
        PodUsage u = KubernetesMetricsSource.podUsage(new ObjectMapper().readTree("{\"metadata\":{\"name\":\"p\"},\"containers\":[]}"));

        assertThat(u.usageMilli()).isEmpty();
    }

    @ParameterizedTest(name = "{0} -> {1} s")
    @CsvSource({"30s, 30", "1m0s, 60", "10.528s, 10", "1h, 3600", "500ms, 0", "'', 0", "junk, 0"})
    @DisplayName("windows are Go durations, truncated to whole seconds")
    void windows(String text, long seconds) {
        assertThat(KubernetesMetricsSource.windowSeconds(text)).isEqualTo(seconds);
    }
}
