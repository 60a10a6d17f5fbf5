package dev.ballast.exporter.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code promtool check metrics} over exposition text; fails with an install hint when promtool is missing. */
public final class Promtool {

    static final String INSTALL_HINT = "promtool is not installed: these tests need it. Install it with "
            + "`apt-get install -y prometheus` (Debian/Ubuntu ship promtool in that package) or put promtool on PATH.";

    private Promtool() {
    }

    static Path executable() {
        for (String candidate : new String[]{"/usr/bin/promtool", "/usr/local/bin/promtool"}) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Path.of(candidate);
            }
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "promtool"))) {
                return Path.of(dir, "promtool");
            }
        }
        throw new AssertionError(INSTALL_HINT);
    }

    /** What promtool reports (empty when the text is clean), with its exit code appended when non-zero. */
    public static String checkMetrics(String exposition) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(executable().toString(), "check", "metrics").redirectErrorStream(true).start();
        process.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String report = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("promtool did not finish within 30 s");
        }
        return process.exitValue() == 0 ? report.strip() : (report.strip() + "\n(promtool exit code " + process.exitValue() + ")").strip();
    }
}
