package dev.ballast.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("vLLM metrics, slots and the waiting queue")
class MetricsAndQueueTest {

    private static final String CHAT = "{\"messages\":[{\"role\":\"user\",\"content\":\"Say hello to Ballast\"}]}";
    private static final String GENERATE = "{\"model\":\"llama-3-8b\",\"prompt\":\"hi\",\"stream\":false}";
    /** A first token an hour away: a request holds its slot until the simulator closes. */
    private static final long FOREVER_MS = 3_600_000;

    @Test
    void metrics_carry_help_type_and_the_model_name_label_for_every_vllm_metric() {
        try (InferenceSimulator simulator = FastSimulator.start()) {
            HttpResponse<String> response = new SimulatorClient(simulator).get("/metrics");

            assertThat(response.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
            String text = response.body();
            for (String[] metric : List.of(
                    new String[] {"vllm:num_requests_running", "gauge"},
                    new String[] {"vllm:num_requests_waiting", "gauge"},
                    new String[] {"vllm:kv_cache_usage_perc", "gauge"},
                    new String[] {"vllm:prompt_tokens_total", "counter"},
                    new String[] {"vllm:generation_tokens_total", "counter"},
                    new String[] {"vllm:time_to_first_token_seconds", "histogram"},
                    new String[] {"vllm:inter_token_latency_seconds", "histogram"},
                    new String[] {"vllm:e2e_request_latency_seconds", "histogram"},
                    new String[] {"vllm:request_queue_time_seconds", "histogram"},
                    new String[] {"vllm:request_success_total", "counter"})) {
                assertThat(text).contains("# HELP " + metric[0] + " ")
                        .contains("# TYPE " + metric[0] + " " + metric[1] + "\n")
                        .containsPattern("(?m)^" + metric[0] + "(_bucket|_count|_sum)?\\{model_name=\"llama-3-8b\",engine=\"0\"");
            }
        }
    }

    @Test
    void time_to_first_token_is_a_histogram_with_vllms_buckets() {
        try (InferenceSimulator simulator = FastSimulator.start()) {
            SimulatorClient client = new SimulatorClient(simulator);
            client.postJson("/v1/chat/completions", CHAT);

            String text = client.get("/metrics").body();
            List<String> bounds = text.lines()
                    .filter(line -> line.startsWith("vllm:time_to_first_token_seconds_bucket"))
                    .map(line -> line.replaceAll(".*le=\"([^\"]+)\".*", "$1"))
                    .toList();
            assertThat(bounds).containsExactly("0.001", "0.005", "0.01", "0.02", "0.04", "0.06", "0.08", "0.1", "0.25",
                    "0.5", "0.75", "1.0", "2.5", "5.0", "7.5", "10.0", "20.0", "40.0", "80.0", "160.0", "640.0",
                    "2560.0", "+Inf");
            assertThat(client.metric("vllm:time_to_first_token_seconds_count")).isEqualTo(1);
            assertThat(client.metric("vllm:time_to_first_token_seconds_bucket{model_name=\"llama-3-8b\",engine=\"0\",le=\"+Inf\"}"))
                    .isEqualTo(1);
        }
    }

    @Test
    void token_counters_grow_by_the_prompt_and_output_of_each_request() {
        try (InferenceSimulator simulator = FastSimulator.start()) {
            SimulatorClient client = new SimulatorClient(simulator);

            client.postJson("/v1/chat/completions", CHAT);
            client.postJson("/api/generate", GENERATE);

            assertThat(client.metric("vllm:prompt_tokens_total")).isEqualTo(5 + 1);
            assertThat(client.metric("vllm:inter_token_latency_seconds_count"))
                    .as("one gap between each pair of tokens").isEqualTo(2 * (FastSimulator.OUTPUT_TOKENS - 1));
            assertThat(client.metric("vllm:generation_tokens_total")).isEqualTo(2 * FastSimulator.OUTPUT_TOKENS);
            assertThat(client.metric("vllm:request_success_total{model_name=\"llama-3-8b\",engine=\"0\",finished_reason=\"stop\"}"))
                    .isEqualTo(2);
        }
    }

    @Test
    void the_exposition_passes_promtool_apart_from_vllms_colons() throws Exception {
        try (InferenceSimulator simulator = FastSimulator.start()) {
            SimulatorClient client = new SimulatorClient(simulator);
            client.postJson("/v1/chat/completions", CHAT);
            Path exposition = Files.createTempFile("simulator-metrics", ".txt");
            exposition.toFile().deleteOnExit();
            Files.writeString(exposition, client.get("/metrics").body());

            Process promtool;
            try {
                promtool = new ProcessBuilder("promtool", "check", "metrics")
                        .redirectInput(exposition.toFile()).redirectErrorStream(true).start();
            } catch (IOException e) {
                fail("promtool is not installed; install it with `apt-get install prometheus` (Debian)", e);
                return;
            }
            String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(promtool.waitFor(60, TimeUnit.SECONDS)).isTrue();
            Files.delete(exposition);

            assertThat(output.lines().filter(line -> !line.isBlank()))
                    .as("promtool findings other than the colon lint vLLM's names always trigger")
                    .allSatisfy(line -> assertThat(line).endsWith("metric names should not contain ':'"));
        }
    }

    @ParameterizedTest(name = "{0} beyond slots and queue answers {2}")
    @CsvSource(delimiter = '|', value = {
            "/v1/chat/completions | " + CHAT + " | 429",
            "/api/generate        | " + GENERATE + " | 503"})
    void requests_beyond_the_slots_wait_in_the_queue_and_beyond_the_queue_are_refused(String path, String body,
                                                                                       int refusedStatus) {
        SimulatorConfig config = FastSimulator.config().slots(1).maxQueue(1).ttftMillis(FOREVER_MS).build();
        try (InferenceSimulator simulator = InferenceSimulator.start(config)) {
            SimulatorClient client = new SimulatorClient(simulator);

            CompletableFuture<HttpResponse<String>> running = client.postAsync(path, body);
            await().atMost(Duration.ofSeconds(10)).until(() -> client.metric("vllm:num_requests_running") == 1);
            CompletableFuture<HttpResponse<String>> waiting = client.postAsync(path, body);
            await().atMost(Duration.ofSeconds(10)).until(() -> client.metric("vllm:num_requests_waiting") == 1);
            HttpResponse<String> refused = client.post(path, body);

            assertThat(refused.statusCode()).isEqualTo(refusedStatus);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(client.metric("vllm:kv_cache_usage_perc")).isEqualTo(1.0);
            JsonObject stats = new JsonObject(client.get("/admin/stats").body());
            assertThat(stats.getInteger("running")).isEqualTo(1);
            assertThat(stats.getInteger("queued")).isEqualTo(1);
            assertThat(stats.getInteger("inFlight")).isEqualTo(2);
            assertThat(stats.getLong("rejected")).isEqualTo(1);
            assertThat(running).isNotDone();
            assertThat(waiting).isNotDone();
        }
    }

    @Test
    void a_queued_streamed_openai_request_has_its_headers_at_once_like_vllm_while_ollama_waits_for_a_slot() {
        SimulatorConfig config = FastSimulator.config().slots(1).maxQueue(5).ttftMillis(FOREVER_MS).build();
        try (InferenceSimulator simulator = InferenceSimulator.start(config)) {
            SimulatorClient client = new SimulatorClient(simulator);
            client.postAsync("/v1/chat/completions", CHAT);
            await().atMost(Duration.ofSeconds(10)).until(() -> client.metric("vllm:num_requests_running") == 1);

            var openAi = client.postForHeaders("/v1/chat/completions",
                    "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            var ollama = client.postForHeaders("/api/generate", "{\"model\":\"llama-3-8b\",\"prompt\":\"hi\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> client.metric("vllm:num_requests_waiting") == 2);

            assertThat(openAi).succeedsWithin(Duration.ofSeconds(10)).satisfies(response -> {
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
            });
            assertThat(ollama).isNotDone();
        }
    }

    @Test
    void queued_requests_all_complete_in_turn_when_slots_free_up() {
        SimulatorConfig config = FastSimulator.config().slots(1).maxQueue(10).build();
        try (InferenceSimulator simulator = InferenceSimulator.start(config)) {
            SimulatorClient client = new SimulatorClient(simulator);

            List<CompletableFuture<HttpResponse<String>>> responses = IntStream.range(0, 6)
                    .mapToObj(i -> client.postAsync("/v1/chat/completions", CHAT)).toList();

            assertThat(responses).allSatisfy(response -> assertThat(response.join().statusCode()).isEqualTo(200));
            assertThat(client.metric("vllm:num_requests_running")).isZero();
            assertThat(client.metric("vllm:num_requests_waiting")).isZero();
            assertThat(simulator.stats().served()).isEqualTo(6);
        }
    }

    @Test
    void a_client_that_disconnects_gives_back_its_slot_and_its_queue_place() throws IOException {
        SimulatorConfig config = FastSimulator.config().slots(1).maxQueue(5).ttftMillis(FOREVER_MS).build();
        try (InferenceSimulator simulator = InferenceSimulator.start(config)) {
            SimulatorClient client = new SimulatorClient(simulator);
            Socket first = client.openRawPost("/v1/chat/completions", CHAT);
            await().atMost(Duration.ofSeconds(10)).until(() -> client.metric("vllm:num_requests_running") == 1);
            Socket second = client.openRawPost("/v1/chat/completions", CHAT);
            await().atMost(Duration.ofSeconds(10)).until(() -> client.metric("vllm:num_requests_waiting") == 1);

            first.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> client.metric("vllm:num_requests_waiting") == 0);
            assertThat(client.metric("vllm:num_requests_running")).as("the waiter took the freed slot").isEqualTo(1);

            second.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> client.metric("vllm:num_requests_running") == 0);
            assertThat(client.metric("vllm:request_success_total{model_name=\"llama-3-8b\",engine=\"0\",finished_reason=\"abort\"}"))
                    .isEqualTo(2);
        }
    }
}
