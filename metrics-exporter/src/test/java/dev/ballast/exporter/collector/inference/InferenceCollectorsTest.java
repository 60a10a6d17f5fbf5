package dev.ballast.exporter.collector.inference;

import dev.ballast.exporter.testing.MetricsText;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** vLLM, TGI, Triton, Ollama and OpenAI-compatible collectors against loopback servers replaying recorded shapes. */
@QuarkusTest
@QuarkusTestResource(value = RecordedServersResource.class, restrictToAnnotatedClass = true)
class InferenceCollectorsTest {

    static final String LLAMA = "meta-llama/Llama-3.1-8B-Instruct";
    static MetricsText metrics;

    @BeforeEach
    void waitForEveryTargetToBeCollectedOnce() {
        if (metrics != null) {
            return;
        }
        metrics = await().atMost(Duration.ofSeconds(20)).until(MetricsText::scrape, m ->
                m.value("ballast_exporter_collector_errors_total", "target", "slow", "reason", "timeout").isPresent()
                        && m.value("ballast_inference_probe_time_to_first_token_seconds", "inference_server", "probed").isPresent()
                        && m.value("ballast_inference_models_loaded", "inference_server", "laptop").isPresent()
                        && m.value("ballast_inference_requests_waiting", "inference_server", "triton-main", "gen_ai_request_model", "llama").isPresent()
                        && m.value("ballast_inference_requests_waiting", "inference_server", "tgi-main").isPresent()
                        && m.value("ballast_inference_requests_waiting", "inference_server", "legacy").isPresent()
                        && m.value("ballast_inference_requests_waiting", "inference_server", "current").isPresent());
    }

    static double value(String name, String... labels) {
        return metrics.value(name, labels).orElseThrow(() -> new AssertionError("no series " + name + " " + String.join(",", labels)));
    }

    @Test
    void vllmWithNewNamesIsNormalisedSummingEnginesAndTakingTheFullestKvCache() {
        String[] current = {"inference_server", "current", "gen_ai_request_model", LLAMA};
        assertThat(value("ballast_inference_requests_running", current)).isEqualTo(4);
        assertThat(value("ballast_inference_requests_waiting", current)).isEqualTo(2);
        assertThat(value("ballast_inference_kv_cache_usage_ratio", current)).isEqualTo(0.61);
        assertThat(value("ballast_inference_tokens_total", "inference_server", "current", "gen_ai_token_type", "input")).isEqualTo(12345);
        assertThat(value("ballast_inference_tokens_total", "inference_server", "current", "gen_ai_token_type", "output")).isEqualTo(6789);
        assertThat(value("ballast_inference_server_requests_total", current)).isEqualTo(110);
        assertThat(value("gen_ai_server_time_to_first_token_seconds_count", current)).isEqualTo(100);
        assertThat(value("gen_ai_server_time_to_first_token_seconds_sum", current)).isEqualTo(12.0);
        assertThat(value("gen_ai_server_time_per_output_token_seconds_count", current)).as("inter_token_latency_seconds").isEqualTo(6000);
        assertThat(value("gen_ai_server_request_duration_seconds_count", current)).isEqualTo(100);
    }

    @Test
    void vllmWithOldNamesFeedsTheSameVocabulary() {
        String[] legacy = {"inference_server", "legacy", "gen_ai_request_model", LLAMA};
        assertThat(value("ballast_inference_kv_cache_usage_ratio", legacy)).as("gpu_cache_usage_perc").isEqualTo(0.875);
        assertThat(value("gen_ai_server_time_per_output_token_seconds_count", legacy)).as("time_per_output_token_seconds").isEqualTo(2500);
        assertThat(value("ballast_inference_requests_waiting", legacy)).isEqualTo(7);
        assertThat(value("ballast_inference_requests_running", legacy)).isEqualTo(5);
    }

    @Test
    void tgiIsNormalisedUnderItsConfiguredModelWithFailuresDerivedFromSuccesses() {
        String[] tgi = {"inference_server", "tgi-main", "gen_ai_request_model", "mistralai/Mistral-7B-Instruct-v0.3"};
        assertThat(value("ballast_inference_requests_running", tgi)).isEqualTo(8);
        assertThat(value("ballast_inference_requests_waiting", tgi)).isEqualTo(4);
        assertThat(value("ballast_inference_server_requests_total", tgi)).isEqualTo(120);
        assertThat(value("ballast_inference_server_requests_failed_total", tgi)).isEqualTo(3);
        assertThat(value("ballast_inference_tokens_total", "inference_server", "tgi-main", "gen_ai_token_type", "input")).isEqualTo(30000);
        assertThat(value("gen_ai_server_request_duration_seconds_bucket", "inference_server", "tgi-main", "le", "1.0")).isEqualTo(60);
        assertThat(metrics.value("gen_ai_server_time_to_first_token_seconds_count", "inference_server", "tgi-main"))
                .as("TGI documents no TTFT; none is invented").isEmpty();
    }

    @Test
    void tritonMicrosecondsAndMillisecondsBecomeSeconds() {
        String[] resnet = {"inference_server", "triton-main", "gen_ai_request_model", "resnet50"};
        String[] llama = {"inference_server", "triton-main", "gen_ai_request_model", "llama"};
        assertThat(value("ballast_inference_requests_waiting", resnet)).isEqualTo(7);
        assertThat(value("ballast_inference_server_requests_total", resnet)).isEqualTo(4005);
        assertThat(value("ballast_inference_server_requests_failed_total", resnet)).isEqualTo(5);
        assertThat(value("ballast_inference_request_duration_seconds_total", resnet)).isEqualTo(8.0);
        assertThat(value("ballast_inference_queue_duration_seconds_total", resnet)).isEqualTo(0.5);
        assertThat(value("gen_ai_server_time_to_first_token_seconds_bucket", "inference_server", "triton-main", "le", "0.1")).isEqualTo(50);
        assertThat(value("gen_ai_server_time_to_first_token_seconds_bucket", "inference_server", "triton-main", "le", "0.5")).isEqualTo(200);
        assertThat(value("gen_ai_server_time_to_first_token_seconds_sum", llama)).isEqualTo(30.0);
    }

    @Test
    void ollamaLoadedModelsShowSizeVramAndExpiry() {
        assertThat(value("ballast_inference_server_info", "inference_server", "laptop", "server_kind", "ollama", "version", "0.12.6")).isEqualTo(1);
        assertThat(value("ballast_inference_models_loaded", "inference_server", "laptop")).isEqualTo(2);
        assertThat(value("ballast_inference_model_memory_bytes", "gen_ai_request_model", "qwen2.5:14b")).isEqualTo(10737418240.0);
        assertThat(value("ballast_inference_model_vram_bytes", "gen_ai_request_model", "qwen2.5:14b")).isEqualTo(8589934592.0);
        assertThat(value("ballast_inference_model_expiry_timestamp_seconds", "gen_ai_request_model", "llama3.2:3b"))
                .isEqualTo(Instant.parse("2026-11-25T14:05:00Z").getEpochSecond());
        assertThat(value("ballast_inference_model_expiry_timestamp_seconds", "gen_ai_request_model", "qwen2.5:14b"))
                .isEqualTo(Instant.parse("2026-11-25T13:10:30.5Z").toEpochMilli() / 1000.0);
    }

    @Test
    void openAiCompatibleServersListTheirModelsAndProbeOnlyWhenEnabled() {
        assertThat(value("ballast_inference_model_info", "inference_server", "gateway", "gen_ai_request_model", LLAMA)).isEqualTo(1);
        assertThat(value("ballast_inference_model_info", "inference_server", "gateway", "gen_ai_request_model", "lora-support-bot")).isEqualTo(1);
        assertThat(metrics.value("ballast_inference_probe_time_to_first_token_seconds", "inference_server", "gateway")).as("probe off by default").isEmpty();
        assertThat(value("ballast_inference_probe_time_to_first_token_seconds", "inference_server", "probed", "gen_ai_request_model", LLAMA))
                .isGreaterThan(0);
        assertThat(metrics.value("ballast_inference_probe_output_tokens_per_second", "inference_server", "probed")).isPresent();
    }

    @Test
    void aSlowTargetTimesOutWhileTheOthersStillCollect() {
        assertThat(value("ballast_exporter_collector_up", "collector", "vllm", "target", "slow")).isZero();
        assertThat(value("ballast_exporter_collector_errors_total", "collector", "vllm", "target", "slow", "reason", "timeout")).isGreaterThanOrEqualTo(1);
        assertThat(metrics.value("ballast_inference_requests_running", "inference_server", "slow")).isEmpty();
        assertThat(value("ballast_exporter_collector_up", "collector", "vllm", "target", "current")).isEqualTo(1);
        assertThat(value("ballast_exporter_collector_up", "collector", "tgi", "target", "tgi-main")).isEqualTo(1);
    }

    @Test
    void anHttpErrorIsCountedByReason() {
        MetricsText m = await().atMost(Duration.ofSeconds(10)).until(MetricsText::scrape,
                x -> x.value("ballast_exporter_collector_errors_total", "target", "broken", "reason", "http_status").isPresent());

        assertThat(m.value("ballast_exporter_collector_up", "collector", "vllm", "target", "broken")).contains(0.0);
    }

    @Test
    void promtoolFindsNothingToReportInTheseSeries() throws Exception {
        assertThat(dev.ballast.exporter.testing.Promtool.checkMetrics(metrics.text())).isEmpty();
    }
}
