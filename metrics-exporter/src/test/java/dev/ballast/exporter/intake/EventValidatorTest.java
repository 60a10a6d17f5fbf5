package dev.ballast.exporter.intake;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class EventValidatorTest {

    final ObjectMapper mapper = new ObjectMapper();
    final EventValidator validator = new EventValidator();

    static final String INFERENCE = """
            {"kind":"inference","model":"llama3","provider":"ollama","operation":"chat","status":"ok","duration_seconds":1.5}""";

    EventValidator.Result validate(String json) throws Exception {
        return validator.validate(mapper.readTree(json));
    }

    @ParameterizedTest(name = "{0} → field {1}")
    @CsvSource(delimiter = '|', textBlock = """
            {"kind":"inference","provider":"p","operation":"chat","status":"ok","duration_seconds":1}                  | model
            {"kind":"inference","model":"m","provider":"p","operation":"chat","status":"ok"}                           | duration_seconds
            {"kind":"inference","model":"m","provider":"p","operation":"chat","status":"ok","duration_seconds":-1}     | duration_seconds
            {"kind":"inference","model":"m","provider":"p","operation":"chat","status":"ok","duration_seconds":"1"}    | duration_seconds
            {"kind":"inference","model":"m","provider":"p","operation":"chat","status":"done","duration_seconds":1}    | status
            {"kind":"inference","model":"m","provider":"p","operation":"chat","status":"ok","duration_seconds":1,"input_tokens":1.5} | input_tokens
            {"kind":"inference","model":"m","provider":"p","operation":"chat","status":"ok","duration_seconds":1,"output_tokens":-3} | output_tokens
            {"kind":"inference","model":"m","provider":"p","operation":"chat","status":"ok","duration_seconds":1,"time_to_first_token_seconds":2} | time_to_first_token_seconds
            {"kind":"inference","model":"m","provider":"p","operation":"chat","status":"ok","duration_seconds":1,"error_type":"timeout"} | error_type
            {"kind":"inference","model":"","provider":"p","operation":"chat","status":"ok","duration_seconds":1}       | model
            {"kind":"inference","model":42,"provider":"p","operation":"chat","status":"ok","duration_seconds":1}       | model
            {"kind":"agent_task","agent":"a","task_type":"t","status":"succeeded"}                                     | duration_seconds
            {"kind":"agent_task","agent":"a","task_type":"t","status":"paused"}                                        | status
            {"kind":"agent_task","task_type":"t","status":"queued"}                                                    | agent
            {"kind":"vector_search","collection":"docs","duration_seconds":0.01}                                        | results
            {"kind":"vector_search","duration_seconds":0.01,"results":3}                                                | collection
            {"kind":"metric"}                                                                                            | kind
            {"model":"m"}                                                                                                | kind
            "just a string"                                                                                              | $
            """)
    void aBadEventIsRefusedNamingTheField(String event, String field) throws Exception {
        EventValidator.Result result = validate("[" + event + "]");

        assertThat(result.valid()).isFalse();
        assertThat(result.events()).isEmpty();
        assertThat(result.violations()).extracting(Violation::field).contains(field);
        assertThat(result.violations()).allSatisfy(v -> assertThat(v.index()).isZero());
    }

    @Test
    void aBodyThatIsNotAnArrayIsRefused() throws Exception {
        EventValidator.Result result = validate("{\"kind\":\"inference\"}");

        assertThat(result.violations()).extracting(Violation::field).containsExactly("$");
    }

    @Test
    void everyBadEventOfABatchIsReportedWithItsIndexAndNothingIsAccepted() throws Exception {
        EventValidator.Result result = validate("[" + INFERENCE + ",{\"kind\":\"x\"}," + INFERENCE + ",{\"kind\":\"vector_search\"}]");

        assertThat(result.events()).isEmpty();
        assertThat(result.violations()).extracting(v -> v.index() + ":" + v.field())
                .containsExactly("1:kind", "3:collection", "3:duration_seconds", "3:results");
    }

    @Test
    void aGoodBatchYieldsTypedEvents() throws Exception {
        EventValidator.Result result = validate("[" + INFERENCE + ","
                + "{\"kind\":\"inference\",\"model\":\"m\",\"provider\":\"openai\",\"operation\":\"chat\",\"status\":\"error\",\"duration_seconds\":2}]");

        assertThat(result.valid()).isTrue();
        assertThat(result.events()).hasSize(2);
        Event.Inference failed = (Event.Inference) result.events().get(1);
        assertThat(failed.failed()).isTrue();
        assertThat(failed.errorType()).as("OpenTelemetry's fallback error type").isEqualTo("_OTHER");
    }
}
