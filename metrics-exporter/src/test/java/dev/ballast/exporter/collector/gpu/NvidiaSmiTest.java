package dev.ballast.exporter.collector.gpu;

import dev.ballast.exporter.metrics.Sample;
import dev.ballast.exporter.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NvidiaSmiTest {


    record Config(boolean enabled, String command, Duration interval, Duration timeout) implements GpuConfig {
    }

    @Test
    void unsupportedFieldsAreLeftOutRatherThanExportedAsZero() {
        List<Sample> samples = NvidiaSmiCsv.parse(Fixtures.read("nvidia-smi-geforce-na.csv"));

        assertThat(samples).extracting(s -> s.family().name()).containsExactly(
                "ballast_gpu_utilization_ratio", "ballast_gpu_memory_used_bytes", "ballast_gpu_memory_total_bytes",
                "ballast_gpu_temperature_celsius");
        assertThat(samples.get(0).value()).isEqualTo(0.12);
    }

    @Test
    void twoGpusGiveFiveSeriesEach() {
        assertThat(NvidiaSmiCsv.parse(Fixtures.read("nvidia-smi-2x-a100.csv"))).hasSize(10);
    }

    @Test
    void aTruncatedLineIsAParseError() {
        assertThatThrownBy(() -> NvidiaSmiCsv.parse("0, GPU-x, A100, 5"))
                .hasMessageContaining("expected 8");
    }

    @Test
    void withoutNvidiaSmiTheCollectorHasNoTargetAndSoExportsNothing() {
        NvidiaSmiCollector collector = new NvidiaSmiCollector(new Config(true, "/nonexistent/nvidia-smi", Duration.ofSeconds(15), Duration.ofSeconds(5)));

        assertThat(collector.targets()).isEmpty();
    }

    @Test
    void aBareCommandIsLookedUpOnPath() {
        assertThat(NvidiaSmiCollector.locate("sh", "/nonexistent:/bin:/usr/bin")).hasValueSatisfying(p -> assertThat(p.getFileName()).isEqualTo(Path.of("sh")));
        assertThat(NvidiaSmiCollector.locate("nvidia-smi-not-here", "/bin:/usr/bin")).isEmpty();
    }
}
