package dev.ballast.exporter.collector.inference;

import dev.ballast.exporter.testing.MetricsText;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The vLLM, Ollama and OpenAI collectors against the project's inference simulator, end to end. */
@QuarkusTest
@QuarkusTestResource(value = SimulatorResource.class, restrictToAnnotatedClass = true)
class SimulatorCollectorsTest {

    static final String[] SIM = {"inference_server", "sim", "gen_ai_request_model", SimulatorResource.MODEL};

    @Test
    void vllmMetricsOfTheSimulatorMatchItsOwnCounters() {
        MetricsText metrics = await().atMost(Duration.ofSeconds(15)).until(MetricsText::scrape,
                m -> m.value("ballast_inference_tokens_total", "inference_server", "sim", "gen_ai_token_type", "output").isPresent());
        var stats = SimulatorResource.simulator.stats();

        assertThat(metrics.value("ballast_inference_tokens_total", "inference_server", "sim", "gen_ai_token_type", "output"))
                .contains((double) stats.generationTokens());
        assertThat(stats.generationTokens()).isEqualTo(SimulatorResource.COMPLETIONS * SimulatorResource.OUTPUT_TOKENS);
        assertThat(metrics.value("ballast_inference_tokens_total", "inference_server", "sim", "gen_ai_token_type", "input"))
                .contains((double) stats.promptTokens());
        assertThat(metrics.value("ballast_inference_server_requests_total", SIM)).contains((double) SimulatorResource.COMPLETIONS);
        assertThat(metrics.value("gen_ai_server_time_to_first_token_seconds_count", SIM)).contains((double) SimulatorResource.COMPLETIONS);
        assertThat(metrics.value("ballast_inference_requests_waiting", SIM)).contains(0.0);
        assertThat(metrics.value("ballast_inference_kv_cache_usage_ratio", SIM)).isPresent();
    }

    @Test
    void ollamaApiOfTheSimulatorShowsItsLoadedModel() {
        MetricsText metrics = await().atMost(Duration.ofSeconds(15)).until(MetricsText::scrape,
                m -> m.value("ballast_inference_models_loaded", "inference_server", "sim").isPresent());

        assertThat(metrics.value("ballast_inference_models_loaded", "inference_server", "sim")).contains(1.0);
        assertThat(metrics.all("ballast_inference_model_vram_bytes")).isNotEmpty();
        assertThat(metrics.value("ballast_inference_server_info", "inference_server", "sim", "server_kind", "ollama")).contains(1.0);
    }

    @Test
    void openAiModelsAndTheSyntheticProbeWorkAgainstTheSimulator() {
        MetricsText metrics = await().atMost(Duration.ofSeconds(15)).until(MetricsText::scrape,
                m -> m.value("ballast_inference_probe_output_tokens_per_second", SIM).isPresent());

        assertThat(metrics.value("ballast_inference_model_info", SIM)).contains(1.0);
        assertThat(metrics.value("ballast_inference_probe_time_to_first_token_seconds", SIM)).hasValueSatisfying(v -> assertThat(v).isGreaterThan(0));
        assertThat(metrics.value("ballast_inference_probe_output_tokens_per_second", SIM)).hasValueSatisfying(v -> assertThat(v).isGreaterThan(0));
    }
}
