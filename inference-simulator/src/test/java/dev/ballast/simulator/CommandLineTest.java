package dev.ballast.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("Command line and BALLAST_SIM_* environment")
class CommandLineTest {

    @Test
    void every_documented_flag_lands_in_the_config() {
        SimulatorConfig config = CommandLine.parse(new String[] {
                "--port", "9101", "--model", "llama-3-8b", "--slots", "4", "--ttft-ms", "50",
                "--tokens-per-second", "200", "--output-tokens", "64", "--jitter", "0.1", "--name", "sim-1",
                "--host", "0.0.0.0", "--max-queue", "7", "--max-model-len", "4096", "--seed", "3"}, Map.of());

        assertThat(config).isEqualTo(new SimulatorConfig("0.0.0.0", 9101, "sim-1", "llama-3-8b", 4, 7, 50, 200, 64,
                0.1, 4096, 3L));
    }

    @Test
    void no_arguments_give_the_defaults() {
        assertThat(CommandLine.parse(new String[0], Map.of())).isEqualTo(SimulatorConfig.builder().build());
    }

    @Test
    void environment_variables_fill_in_and_flags_win() {
        Map<String, String> environment = Map.of(
                "BALLAST_SIM_PORT", "9102",
                "BALLAST_SIM_SLOTS", "8",
                "BALLAST_SIM_TOKENS_PER_SECOND", "50",
                "BALLAST_SIM_NAME", "from-env");

        SimulatorConfig config = CommandLine.parse(new String[] {"--name=from-flag"}, environment);

        assertThat(config.port()).isEqualTo(9102);
        assertThat(config.slots()).isEqualTo(8);
        assertThat(config.tokensPerSecond()).isEqualTo(50);
        assertThat(config.name()).isEqualTo("from-flag");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "--slots 0              | slots must be at least 1",
            "--slots many           | --slots",
            "--jitter 1.5           | jitter",
            "--port 70000           | port",
            "--tokens-per-second 0  | tokens-per-second",
            "--verbose true         | unknown option --verbose",
            "--model                | --model needs a value"})
    void bad_arguments_are_refused_with_a_message_naming_them(String arguments, String message) {
        assertThatThrownBy(() -> CommandLine.parse(arguments.split(" "), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void usage_lists_every_flag_with_its_environment_variable() {
        String usage = CommandLine.usage();

        for (CommandLine.Option option : CommandLine.OPTIONS) {
            assertThat(usage).contains(option.flag()).contains(option.environmentVariable());
        }
        assertThat(usage).contains("BALLAST_SIM_TTFT_MS");
    }
}
