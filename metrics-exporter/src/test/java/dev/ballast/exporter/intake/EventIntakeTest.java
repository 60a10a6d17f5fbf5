package dev.ballast.exporter.intake;

import dev.ballast.exporter.testing.MetricsText;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.util.Collections;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

/** POST /v1/events over HTTP: aggregation into metrics and every way a request can be refused. */
@QuarkusTest
@TestProfile(IntakeProfile.class)
class EventIntakeTest {

    static RequestSpecification authorized() {
        return given().header("Authorization", "Bearer " + IntakeProfile.TOKEN).contentType("application/json");
    }

    static String inference(String model, String status, double seconds) {
        return "{\"kind\":\"inference\",\"model\":\"" + model + "\",\"provider\":\"vllm\",\"operation\":\"chat\",\"status\":\"" + status
                + "\",\"duration_seconds\":" + seconds + ",\"time_to_first_token_seconds\":0.05,\"input_tokens\":120,\"output_tokens\":40"
                + (status.equals("error") ? ",\"error_type\":\"timeout\"" : "") + "}";
    }

    static double value(MetricsText m, String name, String... labels) {
        return m.value(name, labels).orElse(0.0);
    }

    @Test
    void inferenceEventsBecomeRequestCountersDurationBucketsAndTokenHistograms() {
        MetricsText before = MetricsText.scrape();

        authorized().body("[" + inference("intake-a", "ok", 0.3) + "," + inference("intake-a", "error", 7) + "]")
                .post("/v1/events").then().statusCode(202).body("accepted", equalTo(2));

        MetricsText after = MetricsText.scrape();
        String[] model = {"gen_ai_request_model", "intake-a", "gen_ai_provider_name", "vllm", "gen_ai_operation_name", "chat"};
        assertThat(value(after, "ballast_inference_requests_total", model) - value(before, "ballast_inference_requests_total", model)).isEqualTo(2);
        assertThat(value(after, "ballast_inference_requests_failed_total", "gen_ai_request_model", "intake-a", "error_type", "timeout")
                - value(before, "ballast_inference_requests_failed_total", "gen_ai_request_model", "intake-a", "error_type", "timeout")).isEqualTo(1);
        assertThat(value(after, "gen_ai_client_operation_duration_seconds_bucket", "gen_ai_request_model", "intake-a", "le", "0.5")).isEqualTo(1);
        assertThat(value(after, "gen_ai_client_operation_duration_seconds_bucket", "gen_ai_request_model", "intake-a", "le", "10.0")).isEqualTo(2);
        assertThat(after.all("gen_ai_client_operation_duration_seconds_bucket").stream()
                .filter(s -> "intake-a".equals(s.labels().get("gen_ai_request_model"))).map(s -> s.labels().get("le")))
                .as("the design's buckets").containsExactly("0.1", "0.5", "1.0", "2.0", "5.0", "10.0", "30.0", "60.0", "+Inf");
        assertThat(value(after, "gen_ai_client_token_usage_sum", "gen_ai_request_model", "intake-a", "gen_ai_token_type", "output")).isEqualTo(80);
        assertThat(value(after, "ballast_inference_time_to_first_token_seconds_count", "gen_ai_request_model", "intake-a")).isEqualTo(2);
    }

    @Test
    void agentTaskEventsTrackQueuedActiveAndCompletedTasks() {
        String agent = "{\"kind\":\"agent_task\",\"agent\":\"planner\",\"task_type\":\"research\",\"status\":\"%s\"%s}";
        authorized().body("[" + String.format(agent, "queued", "") + "," + String.format(agent, "queued", "") + ","
                + String.format(agent, "started", "") + "]").post("/v1/events").then().statusCode(202);
        MetricsText running = MetricsText.scrape();
        assertThat(value(running, "ballast_agent_tasks_queued", "agent", "planner")).isEqualTo(1);
        assertThat(value(running, "ballast_agent_tasks_active", "agent", "planner")).isEqualTo(1);

        authorized().body("[" + String.format(agent, "failed", ",\"duration_seconds\":3") + "]").post("/v1/events").then().statusCode(202);

        MetricsText done = MetricsText.scrape();
        assertThat(value(done, "ballast_agent_tasks_active", "agent", "planner")).isZero();
        assertThat(value(done, "ballast_agent_tasks_completed_total", "agent", "planner")).isEqualTo(1);
        assertThat(value(done, "ballast_agent_tasks_failed_total", "agent", "planner")).isEqualTo(1);
        assertThat(value(done, "ballast_agent_task_duration_seconds_sum", "agent", "planner")).isEqualTo(3);
    }

    @Test
    void vectorSearchEventsBecomeLatencyAndResultCounts() {
        authorized().body("[{\"kind\":\"vector_search\",\"collection\":\"manuals\",\"duration_seconds\":0.02,\"results\":10}]")
                .post("/v1/events").then().statusCode(202);

        MetricsText m = MetricsText.scrape();
        assertThat(value(m, "ballast_vector_search_duration_seconds_count", "collection", "manuals")).isEqualTo(1);
        assertThat(value(m, "ballast_vector_search_results_total", "collection", "manuals")).isEqualTo(10);
    }

    @Test
    void aBatchWithABadEventIsRefusedWholeNamingEachBadFieldAndCountsNothing() {
        String good = inference("intake-atomic", "ok", 1);

        authorized().body("[" + good + ",{\"kind\":\"inference\",\"model\":\"m\"}]")
                .post("/v1/events").then().statusCode(400)
                .contentType("application/problem+json")
                .body("title", equalTo("Bad Request"))
                .body("status", equalTo(400))
                .body("type", containsString("bad-request"))
                .body("detail", containsString("event 1: provider is required"))
                .body("errors.field", org.hamcrest.Matchers.hasItems("provider", "operation", "status", "duration_seconds"))
                .body("errors.index", org.hamcrest.Matchers.everyItem(equalTo(1)));

        assertThat(MetricsText.scrape().value("ballast_inference_requests_total", "gen_ai_request_model", "intake-atomic")).isEmpty();
    }

    @Test
    void malformedJsonIsRefusedWithAProblemDetail() {
        authorized().body("[{").post("/v1/events").then().statusCode(400)
                .body("detail", containsString("not valid JSON"));
    }

    @Test
    void anEmptyBodyIsRefused() {
        authorized().post("/v1/events").then().statusCode(400);
    }

    @Test
    void aBodyOverTheSizeCapIsRefusedWith413() {
        String big = "[" + String.join(",", Collections.nCopies(40, inference("big", "ok", 1))) + "]";

        authorized().body(big).post("/v1/events").then().statusCode(413)
                .body("detail", containsString("max-body-bytes"));
    }

    @Test
    void aBatchWithMoreEventsThanTheCapIsRefusedWith413() {
        String many = "[" + String.join(",", Collections.nCopies(21, "{}")) + "]";

        authorized().body(many).post("/v1/events").then().statusCode(413)
                .body("detail", containsString("max-events"));
    }

    @Test
    void aMissingOrWrongBearerTokenIsRefusedWith401() {
        given().contentType("application/json").body("[]").post("/v1/events").then().statusCode(401)
                .header("WWW-Authenticate", containsString("Bearer"))
                .body("title", equalTo("Unauthorized"));
        given().header("Authorization", "Bearer wrong").contentType("application/json").body("[]")
                .post("/v1/events").then().statusCode(401);
    }

    @Test
    void agentNamesPastTheCapFoldIntoOtherAndAreCounted() {
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < 6; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"kind\":\"agent_task\",\"agent\":\"fold-").append(i)
                    .append("\",\"task_type\":\"t\",\"status\":\"succeeded\",\"duration_seconds\":1}");
        }
        authorized().body(batch.append("]").toString()).post("/v1/events").then().statusCode(202);

        MetricsText m = MetricsText.scrape();
        long distinct = m.all("ballast_agent_tasks_completed_total").stream().map(s -> s.labels().get("agent")).distinct().count();
        assertThat(distinct).as("at most 3 agent values, 'other' included").isLessThanOrEqualTo(4);
        assertThat(m.value("ballast_agent_tasks_completed_total", "agent", "other")).isPresent();
        assertThat(m.value("ballast_exporter_label_values_folded_total", "metric", "ballast_agent_tasks_completed_total", "label", "agent"))
                .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(3));
    }

    @Test
    void anEmptyArrayIsAcceptedAndChangesNothing() {
        authorized().body("[]").post("/v1/events").then().statusCode(202).body("accepted", equalTo(0));
    }

    @Test
    void problemDetailsListEveryViolation() {
        authorized().body("[{\"kind\":\"x\"},{\"kind\":\"y\"}]").post("/v1/events").then().statusCode(400)
                .body("errors", hasSize(2));
    }
}
