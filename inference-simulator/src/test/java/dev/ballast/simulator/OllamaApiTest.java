package dev.ballast.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("Ollama API")
class OllamaApiTest {

    private static final List<String> TIMING_FIELDS = List.of(
            "total_duration", "load_duration", "prompt_eval_duration", "eval_duration");

    @RegisterExtension
    static final SimulatorExtension sim = new SimulatorExtension();

    @Test
    void generate_streams_ndjson_by_default_and_ends_with_done_and_timings() {
        SimulatorClient.StreamedResponse stream = sim.client().stream("/api/generate",
                "{\"model\":\"llama-3-8b\",\"prompt\":\"Why is the sky blue?\"}");

        assertThat(stream.response().headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
        List<JsonObject> objects = stream.objects();
        assertThat(objects).hasSize(FastSimulator.OUTPUT_TOKENS + 1);
        assertThat(objects.subList(0, FastSimulator.OUTPUT_TOKENS)).allSatisfy(object -> {
            assertThat(object.getBoolean("done")).isFalse();
            assertThat(object.getString("response")).isNotEmpty();
            assertThat(object.getString("model")).isEqualTo("llama-3-8b");
            assertThat(object.getString("created_at")).isNotBlank();
        });
        JsonObject last = objects.get(objects.size() - 1);
        assertThat(last.getBoolean("done")).isTrue();
        assertThat(last.getString("done_reason")).isEqualTo("stop");
        assertFinalCounts(last, 5, FastSimulator.OUTPUT_TOKENS);
    }

    @Test
    void generate_with_stream_false_answers_one_object_with_the_whole_response() {
        JsonObject body = sim.client().postJson("/api/generate",
                "{\"model\":\"llama-3-8b:latest\",\"prompt\":\"Why is the sky blue?\",\"stream\":false}");

        assertThat(body.getBoolean("done")).isTrue();
        assertThat(body.getString("response").split(" ")).hasSize(FastSimulator.OUTPUT_TOKENS);
        assertFinalCounts(body, 5, FastSimulator.OUTPUT_TOKENS);
    }

    @Test
    void num_predict_caps_the_output_with_done_reason_length() {
        JsonObject body = sim.client().postJson("/api/generate",
                "{\"model\":\"llama-3-8b\",\"prompt\":\"x\",\"stream\":false,\"options\":{\"num_predict\":3}}");

        assertThat(body.getInteger("eval_count")).isEqualTo(3);
        assertThat(body.getString("done_reason")).isEqualTo("length");
    }

    @Test
    void chat_streams_assistant_messages_and_ends_with_done() {
        SimulatorClient.StreamedResponse stream = sim.client().stream("/api/chat",
                "{\"model\":\"llama-3-8b\",\"messages\":[{\"role\":\"user\",\"content\":\"Why is the sky blue?\"}]}");

        List<JsonObject> objects = stream.objects();
        assertThat(objects.subList(0, objects.size() - 1)).hasSize(FastSimulator.OUTPUT_TOKENS).allSatisfy(object -> {
            assertThat(object.getJsonObject("message").getString("role")).isEqualTo("assistant");
            assertThat(object.getJsonObject("message").getString("content")).isNotEmpty();
            assertThat(object.getBoolean("done")).isFalse();
        });
        JsonObject last = objects.get(objects.size() - 1);
        assertThat(last.getBoolean("done")).isTrue();
        assertThat(last.getJsonObject("message").getString("content")).isEmpty();
        assertFinalCounts(last, 5, FastSimulator.OUTPUT_TOKENS);
    }

    @Test
    void chat_with_stream_false_answers_one_message() {
        JsonObject body = sim.client().postJson("/api/chat",
                "{\"model\":\"llama-3-8b\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(body.getBoolean("done")).isTrue();
        assertThat(body.getJsonObject("message").getString("content").split(" ")).hasSize(FastSimulator.OUTPUT_TOKENS);
        assertFinalCounts(body, 1, FastSimulator.OUTPUT_TOKENS);
    }

    @Test
    void ps_lists_the_loaded_model_with_vram_and_expiry() {
        JsonObject model = firstModel(sim.client().get("/api/ps"));

        assertThat(model.getString("name")).isEqualTo("llama-3-8b:latest");
        assertThat(model.getLong("size_vram")).isPositive();
        assertThat(model.getString("expires_at")).isNotBlank();
        assertThat(model.getJsonObject("details").getString("quantization_level")).isNotBlank();
    }

    @Test
    void tags_lists_the_local_model() {
        JsonObject model = firstModel(sim.client().get("/api/tags"));

        assertThat(model.getString("model")).isEqualTo("llama-3-8b:latest");
        assertThat(model.getLong("size")).isPositive();
        assertThat(model.getString("digest")).hasSize(64);
        assertThat(model.getString("modified_at")).isNotBlank();
    }

    @Test
    void version_answers_an_ollama_version() {
        HttpResponse<String> response = sim.client().get("/api/version");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(response.body()).getString("version")).matches("\\d+\\.\\d+\\.\\d+");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "missing model       | 400 | {\"prompt\":\"hi\"}",
            "unknown model       | 404 | {\"model\":\"mistral\",\"prompt\":\"hi\"}",
            "prompt not a string | 400 | {\"model\":\"llama-3-8b\",\"prompt\":42}",
            "not JSON            | 400 | nope"})
    void bad_generate_requests_get_ollama_errors(String caseName, int status, String body) {
        HttpResponse<String> response = sim.client().post("/api/generate", body);

        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(new JsonObject(response.body()).getString("error")).isNotBlank();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/ps", "/api/tags", "/api/version", "/v1/models", "/health", "/metrics", "/bench"})
    void every_read_endpoint_answers_200(String path) {
        assertThat(sim.client().get(path).statusCode()).isEqualTo(200);
    }

    private static void assertFinalCounts(JsonObject last, int promptTokens, int evalCount) {
        assertThat(last.getInteger("prompt_eval_count")).isEqualTo(promptTokens);
        assertThat(last.getInteger("eval_count")).isEqualTo(evalCount);
        for (String field : TIMING_FIELDS) {
            assertThat(last.getValue(field)).as(field + " in nanoseconds").isInstanceOf(Number.class);
            assertThat(last.getLong(field)).as(field).isNotNegative();
        }
        assertThat(last.getLong("total_duration"))
                .isGreaterThanOrEqualTo(last.getLong("prompt_eval_duration") + last.getLong("eval_duration"));
    }

    private static JsonObject firstModel(HttpResponse<String> response) {
        assertThat(response.statusCode()).isEqualTo(200);
        return new JsonObject(response.body()).getJsonArray("models").getJsonObject(0);
    }
}
