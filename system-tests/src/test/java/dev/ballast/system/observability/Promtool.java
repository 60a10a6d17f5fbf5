package dev.ballast.system.observability;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Debian promtool (2.42): `check rules` and `test rules`. Missing tool = a failed test that says how to
 * install it, never a skipped one.
 */
final class Promtool {

    static final String INSTALL_HINT = "install the Debian package `prometheus` (apt-get install -y prometheus, which "
            + "./ballast test does) and run the tests again";

    private Promtool() {
    }

    record Result(int exitCode, String output) {
    }

    static Result checkRules(List<Path> files) {
        return run(files, "check", "rules");
    }

    static Result testRules(List<Path> files) {
        return run(files, "test", "rules");
    }

    /** An executable named `name` on the PATH, or a failed assertion naming what to install. */
    static Path onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError(name + " is not on the PATH: " + INSTALL_HINT);
    }

    private static Result run(List<Path> files, String... verb) {
        List<String> command = new ArrayList<>();
        command.add(onPath("promtool").toString());
        command.addAll(List.of(verb));
        files.forEach(f -> command.add(f.toString()));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within 120 s");
            }
            return new Result(process.exitValue(), output);
        } catch (java.io.IOException e) {
            throw new AssertionError("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        }
    }
}
