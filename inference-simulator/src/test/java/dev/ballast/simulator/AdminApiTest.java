package dev.ballast.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.simulator.fault.Faults;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("Admin API: faults and stats")
class AdminApiTest {

    @RegisterExtension
    static final SimulatorExtension sim = new SimulatorExtension();

    @Test
    void get_faults_shows_a_healthy_server_at_first() {
        JsonObject faults = new JsonObject(sim.client().get("/admin/faults").body());

        assertThat(faults).isEqualTo(Faults.NONE.toJson());
        assertThat(faults.fieldNames()).containsExactlyInAnyOrder(
                "errorRate", "errorStatus", "slowFactor", "extraLatencyMs", "hang", "dropMidStream", "healthFailing");
    }

    @Test
    void post_changes_only_the_fields_it_names_and_answers_the_result() {
        sim.client().post("/admin/faults", "{\"errorRate\":0.5}");

        HttpResponse<String> response = sim.client().post("/admin/faults", "{\"extraLatencyMs\":20,\"dropMidStream\":4}");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject faults = new JsonObject(response.body());
        assertThat(faults.getDouble("errorRate")).isEqualTo(0.5);
        assertThat(faults.getLong("extraLatencyMs")).isEqualTo(20);
        assertThat(faults.getInteger("dropMidStream")).isEqualTo(4);
        assertThat(sim.simulator().faults().current()).isEqualTo(
                Faults.NONE.withErrorRate(0.5).withExtraLatencyMs(20).withDropMidStream(4));
    }

    @Test
    void delete_resets_every_fault() {
        sim.client().post("/admin/faults", "{\"hang\":true,\"healthFailing\":true,\"slowFactor\":3}");

        HttpResponse<String> response = sim.client().delete("/admin/faults");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(response.body())).isEqualTo(Faults.NONE.toJson());
        assertThat(sim.simulator().faults().current()).isEqualTo(Faults.NONE);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "not JSON                     | {errorRate: 1         | JSON",
            "a JSON array                 | [1,2]                 | JSON object",
            "unknown field                | {\"errorRatio\":0.5}  | errorRatio",
            "error rate above one         | {\"errorRate\":1.5}   | errorRate",
            "negative error rate          | {\"errorRate\":-0.1}  | errorRate",
            "error rate as a string       | {\"errorRate\":\"1\"} | errorRate",
            "success status as error      | {\"errorStatus\":200} | errorStatus",
            "fractional status            | {\"errorStatus\":500.5} | errorStatus",
            "slow factor below one        | {\"slowFactor\":0.5}  | slowFactor",
            "negative latency             | {\"extraLatencyMs\":-1} | extraLatencyMs",
            "hang as a string             | {\"hang\":\"yes\"}    | hang",
            "negative drop                | {\"dropMidStream\":-2} | dropMidStream",
            "health as a number           | {\"healthFailing\":1} | healthFailing",
            "one bad field among good     | {\"hang\":true,\"errorRate\":7} | errorRate"})
    void invalid_fault_settings_are_400_problem_details_and_change_nothing(String caseName, String body, String named) {
        sim.simulator().faults().set(Faults.NONE.withExtraLatencyMs(5));

        HttpResponse<String> response = sim.client().post("/admin/faults", body);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonObject problem = new JsonObject(response.body());
        assertThat(problem.getString("type")).isNotBlank();
        assertThat(problem.getString("title")).isEqualTo("Invalid Fault Settings");
        assertThat(problem.getInteger("status")).isEqualTo(400);
        assertThat(problem.getString("detail")).contains(named);
        assertThat(sim.simulator().faults().current()).isEqualTo(Faults.NONE.withExtraLatencyMs(5));
    }

    @Test
    void stats_count_served_requests_and_tokens() {
        long servedBefore = sim.simulator().stats().served();
        sim.client().postJson("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        JsonObject stats = new JsonObject(sim.client().get("/admin/stats").body());

        assertThat(stats.getLong("served")).isEqualTo(servedBefore + 1);
        assertThat(stats.getInteger("inFlight")).isZero();
        assertThat(stats.getInteger("queued")).isZero();
        assertThat(stats.getLong("generationTokens")).isGreaterThanOrEqualTo(FastSimulator.OUTPUT_TOKENS);
    }

    @Test
    void unknown_paths_and_wrong_methods_get_problem_details() {
        HttpResponse<String> missing = sim.client().get("/v2/nothing");
        HttpResponse<String> wrongMethod = sim.client().delete("/admin/stats");

        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(new JsonObject(missing.body()).getInteger("status")).isEqualTo(404);
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("GET");
    }
}
