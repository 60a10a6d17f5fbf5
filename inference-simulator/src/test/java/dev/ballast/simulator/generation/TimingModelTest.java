package dev.ballast.simulator.generation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.simulator.SimulatorConfig;
import dev.ballast.simulator.fault.Faults;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("Timing model: output length, delays, jitter, slow faults")
class TimingModelTest {

    private static final SimulatorConfig STEADY = SimulatorConfig.builder()
            .ttftMillis(50).tokensPerSecond(200).outputTokens(64).jitter(0).build();

    @ParameterizedTest(name = "\"{0}\" is about {1} tokens")
    @CsvSource(delimiter = '|', value = {
            "''                | 1",
            "a                 | 1",
            "abcd              | 1",
            "abcde             | 2",
            "Say hello to Ballast | 5"})
    void prompt_tokens_are_estimated_at_four_characters_each(String text, int tokens) {
        assertThat(TimingModel.estimateTokens(text)).isEqualTo(tokens);
    }

    @ParameterizedTest(name = "max tokens {0} -> {1} tokens, {2}")
    @CsvSource(nullValues = "none", value = {
            "none, 64, stop",
            "10,   10, length",
            "64,   64, stop",
            "500,  64, stop"})
    void the_request_limit_caps_the_configured_output(Integer maxTokens, int outputTokens, String finishReason) {
        TokenPlan plan = new TimingModel(STEADY, new Random(1)).plan(7, maxTokens, Faults.NONE);

        assertThat(plan.outputTokens()).isEqualTo(outputTokens);
        assertThat(plan.finishReason()).isEqualTo(finishReason);
        assertThat(plan.promptTokens()).isEqualTo(7);
    }

    @ParameterizedTest(name = "slow x{0} + {1} ms -> ttft {2} ms, {3} ms per token")
    @CsvSource({
            "1, 0,   50,  5",
            "2, 0,   100, 10",
            "1, 300, 350, 5",
            "3, 100, 250, 15"})
    void slow_faults_stretch_the_delays(double slowFactor, long extraMs, long ttftMs, long interTokenMs) {
        Faults faults = Faults.NONE.withSlowFactor(slowFactor).withExtraLatencyMs(extraMs);

        TokenPlan plan = new TimingModel(STEADY, new Random(1)).plan(1, null, faults);

        assertThat(plan.ttftNanos()).isEqualTo(ttftMs * 1_000_000);
        assertThat(plan.interTokenNanos()).isEqualTo(interTokenMs * 1_000_000);
    }

    @Test
    void jitter_spreads_delays_within_the_configured_fraction_of_the_mean() {
        SimulatorConfig jittery = STEADY.toBuilder().jitter(0.2).build();
        TimingModel timing = new TimingModel(jittery, new Random(7));

        List<Long> samples = IntStream.range(0, 2_000).mapToObj(i -> timing.jittered(1_000_000)).toList();

        assertThat(samples).allSatisfy(sample -> assertThat(sample).isBetween(800_000L, 1_200_000L));
        assertThat(samples.stream().distinct().count()).as("jitter actually varies the delay").isGreaterThan(100);
    }

    @Test
    void no_jitter_means_exact_delays() {
        TimingModel timing = new TimingModel(STEADY, new Random(7));

        assertThat(timing.jittered(5_000_000)).isEqualTo(5_000_000);
    }
}
