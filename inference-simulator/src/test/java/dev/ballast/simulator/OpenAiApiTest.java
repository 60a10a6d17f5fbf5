package dev.ballast.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("OpenAI-compatible API, as vLLM serves it")
class OpenAiApiTest {

    private static final String CHAT = "{\"model\":\"llama-3-8b\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello to Ballast\"}]";

    @RegisterExtension
    static final SimulatorExtension sim = new SimulatorExtension();

    @Test
    void a_chat_completion_answers_one_object_with_message_and_usage() {
        JsonObject body = sim.client().postJson("/v1/chat/completions", CHAT + "}");

        assertThat(body.getString("id")).startsWith("chatcmpl-");
        assertThat(body.getString("object")).isEqualTo("chat.completion");
        assertThat(body.getString("model")).isEqualTo("llama-3-8b");
        assertThat(body.getLong("created")).isPositive();
        JsonObject choice = body.getJsonArray("choices").getJsonObject(0);
        assertThat(choice.getInteger("index")).isZero();
        assertThat(choice.getJsonObject("message").getString("role")).isEqualTo("assistant");
        assertThat(choice.getJsonObject("message").getString("content").split(" ")).hasSize(FastSimulator.OUTPUT_TOKENS);
        assertThat(choice.getString("finish_reason")).isEqualTo("stop");
        JsonObject usage = body.getJsonObject("usage");
        assertThat(usage.getInteger("prompt_tokens")).isEqualTo(5); // 20 characters / 4
        assertThat(usage.getInteger("completion_tokens")).isEqualTo(FastSimulator.OUTPUT_TOKENS);
        assertThat(usage.getInteger("total_tokens")).isEqualTo(5 + FastSimulator.OUTPUT_TOKENS);
    }

    @Test
    void a_streamed_chat_sends_role_then_content_deltas_then_finish_then_done() {
        SimulatorClient.StreamedResponse stream = sim.client().stream("/v1/chat/completions", CHAT + ",\"stream\":true}");

        assertThat(stream.response().headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/event-stream"));
        List<String> events = stream.events();
        assertThat(events).last().isEqualTo("[DONE]");
        List<JsonObject> chunks = events.subList(0, events.size() - 1).stream().map(JsonObject::new).toList();
        assertThat(chunks).allSatisfy(chunk -> {
            assertThat(chunk.getString("object")).isEqualTo("chat.completion.chunk");
            assertThat(chunk.getString("id")).isEqualTo(chunks.get(0).getString("id"));
            assertThat(chunk.containsKey("usage")).as("usage only with include_usage").isFalse();
        });
        assertThat(delta(chunks.get(0)).getString("role")).isEqualTo("assistant");
        List<JsonObject> content = chunks.subList(1, chunks.size() - 1);
        assertThat(content).hasSize(FastSimulator.OUTPUT_TOKENS)
                .allSatisfy(chunk -> assertThat(delta(chunk).getString("content")).isNotEmpty());
        JsonObject last = chunks.get(chunks.size() - 1).getJsonArray("choices").getJsonObject(0);
        assertThat(last.getJsonObject("delta")).isEqualTo(new JsonObject());
        assertThat(last.getString("finish_reason")).isEqualTo("stop");
    }

    @Test
    void include_usage_adds_a_final_chunk_with_empty_choices_and_the_usage() {
        SimulatorClient.StreamedResponse stream = sim.client().stream("/v1/chat/completions",
                CHAT + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");

        List<String> events = stream.events();
        assertThat(events).last().isEqualTo("[DONE]");
        JsonObject usageChunk = new JsonObject(events.get(events.size() - 2));
        assertThat(usageChunk.getJsonArray("choices")).isEmpty();
        assertThat(usageChunk.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(FastSimulator.OUTPUT_TOKENS);
        assertThat(new JsonObject(events.get(0)).getValue("usage", "absent")).as("earlier chunks carry usage: null").isNull();
    }

    @ParameterizedTest(name = "max_tokens {0} gives {1} tokens, finish_reason {2}")
    @CsvSource({
            "3, 3, length",
            "8, 8, stop",
            "100, 8, stop"})
    void max_tokens_caps_the_output_and_sets_finish_reason(int maxTokens, int expectedTokens, String finishReason) {
        JsonObject body = sim.client().postJson("/v1/chat/completions", CHAT + ",\"max_tokens\":" + maxTokens + "}");

        assertThat(body.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(expectedTokens);
        assertThat(body.getJsonArray("choices").getJsonObject(0).getString("finish_reason")).isEqualTo(finishReason);
    }

    @Test
    void a_text_completion_answers_text_choices() {
        JsonObject body = sim.client().postJson("/v1/completions", "{\"model\":\"llama-3-8b\",\"prompt\":\"Once upon\",\"max_tokens\":4}");

        assertThat(body.getString("id")).startsWith("cmpl-");
        assertThat(body.getString("object")).isEqualTo("text_completion");
        JsonObject choice = body.getJsonArray("choices").getJsonObject(0);
        assertThat(choice.getString("text").split(" ")).hasSize(4);
        assertThat(choice.getString("finish_reason")).isEqualTo("length");
        assertThat(body.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(4);
    }

    @Test
    void a_streamed_text_completion_sends_text_chunks_and_ends_with_done() {
        SimulatorClient.StreamedResponse stream = sim.client().stream("/v1/completions",
                "{\"prompt\":\"Once upon\",\"max_tokens\":5,\"stream\":true}");

        List<String> events = stream.events();
        assertThat(events).last().isEqualTo("[DONE]");
        List<JsonObject> chunks = events.subList(0, events.size() - 1).stream().map(JsonObject::new).toList();
        assertThat(chunks).hasSize(5 + 1).allSatisfy(chunk -> {
            assertThat(chunk.getString("object")).isEqualTo("text_completion");
            assertThat(chunk.getJsonArray("choices").getJsonObject(0).containsKey("text")).isTrue();
        });
        assertThat(chunks.get(5).getJsonArray("choices").getJsonObject(0).getString("finish_reason")).isEqualTo("length");
    }

    @Test
    void completions_default_to_sixteen_tokens_like_vllm() {
        SimulatorConfig config = FastSimulator.config().outputTokens(64).build();
        try (InferenceSimulator longer = InferenceSimulator.start(config)) {
            JsonObject body = new SimulatorClient(longer).postJson("/v1/completions", "{\"prompt\":\"x\"}");

            assertThat(body.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(16);
        }
    }

    @Test
    void models_lists_the_served_model() {
        HttpResponse<String> response = sim.client().get("/v1/models");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject body = new JsonObject(response.body());
        assertThat(body.getString("object")).isEqualTo("list");
        JsonArray data = body.getJsonArray("data");
        assertThat(data).hasSize(1);
        assertThat(data.getJsonObject(0).getString("id")).isEqualTo("llama-3-8b");
        assertThat(data.getJsonObject(0).getString("object")).isEqualTo("model");
    }

    @Test
    void an_unknown_model_is_404_with_an_openai_error_object() {
        HttpResponse<String> response = sim.client().post("/v1/chat/completions",
                "{\"model\":\"gpt-9\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(response.statusCode()).isEqualTo(404);
        JsonObject error = new JsonObject(response.body()).getJsonObject("error");
        assertThat(error.getString("message")).contains("gpt-9");
        assertThat(error.getString("type")).isEqualTo("NotFoundError");
        assertThat(error.getInteger("code")).isEqualTo(404);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "not JSON                  | /v1/chat/completions | {oops",
            "a JSON array              | /v1/chat/completions | []",
            "no messages               | /v1/chat/completions | {\"model\":\"llama-3-8b\"}",
            "empty messages            | /v1/chat/completions | {\"messages\":[]}",
            "message without role      | /v1/chat/completions | {\"messages\":[{\"content\":\"hi\"}]}",
            "max_tokens zero           | /v1/chat/completions | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":0}",
            "stream not a boolean      | /v1/chat/completions | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":\"yes\"}",
            "no prompt                 | /v1/completions      | {\"max_tokens\":3}",
            "max_tokens a string       | /v1/completions      | {\"prompt\":\"x\",\"max_tokens\":\"3\"}"})
    void malformed_requests_are_400_with_an_openai_error_object(String caseName, String path, String body) {
        HttpResponse<String> response = sim.client().post(path, body);

        assertThat(response.statusCode()).isEqualTo(400);
        JsonObject error = new JsonObject(response.body()).getJsonObject("error");
        assertThat(error.getString("type")).isEqualTo("BadRequestError");
        assertThat(error.getString("message")).isNotBlank();
    }

    private static JsonObject delta(JsonObject chunk) {
        return chunk.getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
    }
}
