package dev.ballast.autoscaler.engine;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The engine stays pure: no framework, no I/O, no clock of its own (ARCHITECTURE.md, "pure core, thin edges"). */
class EnginePurityTest {

    static final Path ENGINE = Path.of("src/main/java/dev/ballast/autoscaler/engine");

    @Test
    @DisplayName("engine sources import no framework or I/O package and never read the clock")
    void pure() throws IOException {
        List<Path> sources;
        try (Stream<Path> files = Files.list(ENGINE)) {
            sources = files.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertThat(sources).as("engine sources under " + ENGINE.toAbsolutePath()).hasSizeGreaterThan(10);
        for (Path source : sources) {
            String text = Files.readString(source);
            assertThat(text).as(source.getFileName().toString())
                    .doesNotContain("import io.quarkus", "import jakarta.", "import io.vertx", "import com.fasterxml",
                            "import java.io.", "import java.net.", "import java.nio.", "Instant.now()",
                            "System.currentTimeMillis", "Clock.system");
        }
    }
}
