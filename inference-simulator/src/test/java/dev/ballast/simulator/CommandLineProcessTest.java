package dev.ballast.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The simulator as its own process")
class CommandLineProcessTest {

    private static final Pattern READY = Pattern.compile("inference-simulator proc-1 ready on (http://127\\.0\\.0\\.1:\\d+) .*");

    @Test
    void it_prints_one_ready_line_serves_and_stops_cleanly_on_sigterm(@TempDir Path dir) throws Exception {
        Path stdout = dir.resolve("stdout.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                InferenceSimulatorMain.class.getName(), "--port", "0", "--name", "proc-1", "--ttft-ms", "0")
                .redirectOutput(stdout.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> !Files.readAllLines(stdout).isEmpty());
            String ready = Files.readAllLines(stdout).get(0);
            Matcher matcher = READY.matcher(ready);
            assertThat(matcher.matches()).as("ready line: %s", ready).isTrue();

            HttpResponse<String> health = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(matcher.group(1) + "/health")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);

            process.destroy(); // SIGTERM
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
            List<String> lines = Files.readAllLines(stdout);
            assertThat(lines).containsExactly(ready, "inference-simulator proc-1 stopped");
        } finally {
            process.destroyForcibly();
        }
    }
}
