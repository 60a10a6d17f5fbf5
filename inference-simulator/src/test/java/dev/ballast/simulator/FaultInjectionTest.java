package dev.ballast.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ballast.simulator.fault.Faults;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("Fault injection, switched at runtime")
class FaultInjectionTest {

    private static final String CHAT = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String STREAMED_CHAT = "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String GENERATE = "{\"model\":\"llama-3-8b\",\"prompt\":\"hi\",\"stream\":false}";

    @RegisterExtension
    static final SimulatorExtension sim = new SimulatorExtension();

    @ParameterizedTest(name = "errorStatus {0} on {1}")
    @CsvSource(delimiter = '|', value = {
            "500 | /v1/chat/completions | " + CHAT,
            "503 | /v1/chat/completions | " + CHAT,
            "429 | /api/generate        | " + GENERATE,
            "502 | /bench               | {}"})
    void an_error_rate_of_one_fails_every_request_with_the_chosen_status(int status, String path, String body) {
        sim.client().post("/admin/faults", "{\"errorRate\":1.0,\"errorStatus\":" + status + "}");

        HttpResponse<String> response = sim.client().post(path, body);

        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(new JsonObject(response.body()).containsKey("error")).isTrue();
    }

    @Test
    void an_error_rate_of_zero_fails_nothing_and_reset_clears_the_fault() {
        sim.client().post("/admin/faults", "{\"errorRate\":1.0}");
        assertThat(sim.client().post("/v1/chat/completions", CHAT).statusCode()).isEqualTo(500);

        sim.client().delete("/admin/faults");

        assertThat(sim.client().post("/v1/chat/completions", CHAT).statusCode()).isEqualTo(200);
        assertThat(sim.simulator().stats().injectedErrors()).isPositive();
    }

    @Test
    void extra_latency_delays_the_first_token_by_at_least_that_much() {
        sim.client().post("/admin/faults", "{\"extraLatencyMs\":150}");

        JsonObject body = sim.client().postJson("/api/generate", GENERATE);

        assertThat(body.getLong("prompt_eval_duration")).as("prefill in ns includes the added latency")
                .isGreaterThanOrEqualTo(150_000_000L);
    }

    @Test
    void slow_factor_stretches_generation_time() {
        SimulatorConfig config = FastSimulator.config().ttftMillis(10).tokensPerSecond(1000).outputTokens(4).build();
        try (InferenceSimulator slow = InferenceSimulator.start(config)) {
            slow.faults().update(faults -> faults.withSlowFactor(20));

            JsonObject body = new SimulatorClient(slow).postJson("/api/generate", GENERATE);

            assertThat(body.getLong("prompt_eval_duration")).as("10 ms x 20").isGreaterThanOrEqualTo(200_000_000L);
            assertThat(body.getLong("eval_duration")).as("3 gaps of 1 ms x 20").isGreaterThanOrEqualTo(60_000_000L);
        }
    }

    @Test
    void hang_accepts_requests_and_never_answers_them() {
        sim.client().post("/admin/faults", "{\"hang\":true}");

        CompletableFuture<HttpResponse<String>> hung = sim.client().postAsync("/v1/chat/completions", CHAT);

        await().atMost(Duration.ofSeconds(10)).until(() -> sim.simulator().stats().hanging() == 1);
        JsonObject stats = new JsonObject(sim.client().get("/admin/stats").body());
        assertThat(stats.getInteger("hanging")).isEqualTo(1);
        assertThat(stats.getInteger("inFlight")).isEqualTo(1);
        assertThat(hung).isNotDone();
        hung.cancel(true);
    }

    @ParameterizedTest(name = "after {0} chunks")
    @ValueSource(ints = {0, 1, 3})
    void drop_mid_stream_closes_the_connection_after_that_many_chunks(int chunks) throws IOException {
        sim.client().post("/admin/faults", "{\"dropMidStream\":" + chunks + "}");

        String wire = SimulatorClient.readUntilClosed(sim.client().openRawPost("/v1/chat/completions", STREAMED_CHAT));

        assertThat(wire).startsWith("HTTP/1.1 200");
        assertThat(wire.split("data: ", -1)).as("SSE events on the wire").hasSize(chunks + 1);
        assertThat(wire).as("no [DONE] and no last chunk of the chunked body")
                .doesNotContain("[DONE]").doesNotEndWith("0\r\n\r\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> sim.simulator().stats().running() == 0);
    }

    @Test
    void drop_mid_stream_also_cuts_ollama_ndjson() throws IOException {
        sim.client().post("/admin/faults", "{\"dropMidStream\":2}");

        String wire = SimulatorClient.readUntilClosed(sim.client().openRawPost("/api/generate",
                "{\"model\":\"llama-3-8b\",\"prompt\":\"hi\"}"));

        assertThat(wire.split("\"done\":false", -1)).hasSize(3);
        assertThat(wire).doesNotContain("\"done\":true");
    }

    @Test
    void drop_mid_stream_closes_non_streamed_requests_without_an_answer() {
        sim.simulator().faults().set(Faults.NONE.withDropMidStream(0));

        CompletableFuture<HttpResponse<String>> response = sim.client().postAsync("/api/generate", GENERATE);

        assertThat(response).failsWithin(Duration.ofSeconds(10));
    }

    @Test
    void a_failing_health_check_answers_503_until_switched_back() {
        assertThat(sim.client().get("/health").statusCode()).isEqualTo(200);

        sim.client().post("/admin/faults", "{\"healthFailing\":true}");
        assertThat(sim.client().get("/health").statusCode()).isEqualTo(503);

        sim.client().post("/admin/faults", "{\"healthFailing\":false}");
        assertThat(sim.client().get("/health").statusCode()).isEqualTo(200);
    }

    @Test
    void faults_set_in_code_show_in_the_admin_endpoint() {
        sim.simulator().faults().update(faults -> faults.withErrorRate(0.25).withHang(true));

        JsonObject faults = new JsonObject(sim.client().get("/admin/faults").body());

        assertThat(faults.getDouble("errorRate")).isEqualTo(0.25);
        assertThat(faults.getBoolean("hang")).isTrue();
        assertThat(faults.getBoolean("healthFailing")).isFalse();
    }
}
