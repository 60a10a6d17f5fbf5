package dev.ballast.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Turns {@code --flag value} arguments and {@code BALLAST_SIM_*} environment variables into a
 * {@link SimulatorConfig}. Flags win over the environment, the environment over the defaults.
 */
final class CommandLine {

    /** One option: its flag, the environment variable derived from it, and how it lands in the builder. */
    record Option(String flag, String help, BiConsumer<SimulatorConfig.Builder, String> apply) {
        String environmentVariable() {
            return "BALLAST_SIM_" + flag.substring(2).toUpperCase(Locale.ROOT).replace('-', '_');
        }
    }

    static final List<Option> OPTIONS = List.of(
            new Option("--host", "bind address (default " + SimulatorConfig.DEFAULT_HOST + ")", SimulatorConfig.Builder::host),
            new Option("--port", "TCP port, 0 = any free port (default " + SimulatorConfig.DEFAULT_PORT + ")",
                    (b, v) -> b.port(integer(v))),
            new Option("--name", "instance name shown in the ready line (default inference-simulator)", SimulatorConfig.Builder::name),
            new Option("--model", "served model name (default " + SimulatorConfig.DEFAULT_MODEL + ")", SimulatorConfig.Builder::model),
            new Option("--slots", "concurrent generations (default " + SimulatorConfig.DEFAULT_SLOTS + ")",
                    (b, v) -> b.slots(integer(v))),
            new Option("--max-queue", "requests allowed to wait for a slot; beyond it OpenAI paths answer 429, Ollama paths 503 (default "
                    + SimulatorConfig.DEFAULT_MAX_QUEUE + ")", (b, v) -> b.maxQueue(integer(v))),
            new Option("--ttft-ms", "time to first token in milliseconds (default " + SimulatorConfig.DEFAULT_TTFT_MILLIS + ")",
                    (b, v) -> b.ttftMillis(integer(v))),
            new Option("--tokens-per-second", "generation speed per request (default " + SimulatorConfig.DEFAULT_TOKENS_PER_SECOND + ")",
                    (b, v) -> b.tokensPerSecond(decimal(v))),
            new Option("--output-tokens", "tokens per answer unless the request asks for fewer (default "
                    + SimulatorConfig.DEFAULT_OUTPUT_TOKENS + ")", (b, v) -> b.outputTokens(integer(v))),
            new Option("--jitter", "relative random spread of every delay, 0..<1 (default " + SimulatorConfig.DEFAULT_JITTER + ")",
                    (b, v) -> b.jitter(decimal(v))),
            new Option("--max-model-len", "context length; longer prompts get 400 (default " + SimulatorConfig.DEFAULT_MAX_MODEL_LEN + ")",
                    (b, v) -> b.maxModelLen(integer(v))),
            new Option("--seed", "fixes the random source for reproducible runs (default: random)",
                    (b, v) -> b.seed((long) integer(v))));

    private CommandLine() {
    }

    /** @throws IllegalArgumentException naming the flag or variable that is wrong */
    static SimulatorConfig parse(String[] args, Map<String, String> environment) {
        SimulatorConfig.Builder builder = SimulatorConfig.builder();
        for (Option option : OPTIONS) {
            String value = environment.get(option.environmentVariable());
            if (value != null && !value.isBlank()) {
                apply(builder, option, value.trim(), option.environmentVariable());
            }
        }
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String flag = arg;
            String value = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0) {
                flag = arg.substring(0, equals);
                value = arg.substring(equals + 1);
            }
            Option option = find(flag);
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(flag + " needs a value");
                }
                value = args[++i];
            }
            apply(builder, option, value, flag);
        }
        return builder.build();
    }

    static boolean wantsHelp(String[] args) {
        return List.of(args).contains("--help") || List.of(args).contains("-h");
    }

    static String usage() {
        List<String> lines = new ArrayList<>();
        lines.add("usage: java -jar inference-simulator.jar [--flag value]...");
        lines.add("every flag can also be set through the environment variable shown; flags win.");
        for (Option option : OPTIONS) {
            lines.add(String.format("  %-22s %-32s %s", option.flag(), option.environmentVariable(), option.help()));
        }
        return String.join(System.lineSeparator(), lines);
    }

    private static Option find(String flag) {
        for (Option option : OPTIONS) {
            if (option.flag().equals(flag)) {
                return option;
            }
        }
        throw new IllegalArgumentException("unknown option " + flag + "; see --help");
    }

    private static void apply(SimulatorConfig.Builder builder, Option option, String value, String source) {
        try {
            option.apply().accept(builder, value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    private static int integer(String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new NumberFormatException("expected a whole number, got '" + value + "'");
        }
    }

    private static double decimal(String value) {
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new NumberFormatException("expected a number, got '" + value + "'");
        }
    }
}
