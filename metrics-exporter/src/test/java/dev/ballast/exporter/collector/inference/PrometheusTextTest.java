package dev.ballast.exporter.collector.inference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class PrometheusTextTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            vllm:num_requests_running{engine="0",model_name="m"} 3.0                 | vllm:num_requests_running | m  | 3.0
            tgi_queue_size 4                                                           | tgi_queue_size            | '' | 4.0
            x{model_name="a \\"quoted\\" name"} 1 1732540000000                        | x                         | a "quoted" name | 1.0
            x{model_name="m",} 2.5e+03                                                 | x                         | m  | 2500.0
            x{ model_name = "m" } +Inf                                                 | x                         | m  | Infinity
            """)
    void sampleLinesAreReadWithLabelsEscapesAndTimestamps(String line, String name, String model, double value) {
        PrometheusText.Line parsed = PrometheusText.parse(line).lines().get(0);

        assertThat(parsed.name()).isEqualTo(name);
        assertThat(parsed.label("model_name")).isEqualTo(model);
        assertThat(parsed.value()).isEqualTo(value);
    }

    @Test
    void commentsBlankAndUnreadableLinesAreSkippedWithoutLosingTheRest() {
        PrometheusText text = PrometheusText.parse("""
                # HELP a A.
                # TYPE a gauge

                a 1
                b{broken="x} 2
                c not-a-number
                d 4
                """);

        assertThat(text.lines()).extracting(PrometheusText.Line::name).containsExactly("a", "d");
    }

    @Test
    void theFirstPresentOfRenamedMetricsWins() {
        PrometheusText both = PrometheusText.parse("vllm:kv_cache_usage_perc 0.5\nvllm:gpu_cache_usage_perc 0.4\n");
        PrometheusText old = PrometheusText.parse("vllm:gpu_cache_usage_perc 0.4\n");

        assertThat(both.firstPresent("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc")).isEqualTo("vllm:kv_cache_usage_perc");
        assertThat(old.firstPresent("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc")).isEqualTo("vllm:gpu_cache_usage_perc");
        assertThat(old.firstPresent("nope")).isNull();
    }
}
