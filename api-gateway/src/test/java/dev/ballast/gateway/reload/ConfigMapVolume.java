package dev.ballast.gateway.reload;

import dev.ballast.gateway.testing.Origins;
import dev.ballast.testing.TempPaths;
import io.micrometer.core.instrument.MeterRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;

/**
 * A directory laid out as the kubelet lays out a ConfigMap volume: {@code gateway.yaml -> ..data/gateway.yaml},
 * {@code ..data -> ..<timestamp>}; an update writes a new timestamped directory and swaps the {@code ..data} symlink
 * atomically, so the file's path never changes while its content does.
 */
final class ConfigMapVolume {

    private final Path dir;
    private final AtomicInteger version = new AtomicInteger();

    ConfigMapVolume(String initialYaml) {
        try {
            dir = TempPaths.directory("gateway-configmap");
            write(initialYaml);
            Files.createSymbolicLink(dir.resolve("gateway.yaml"), Path.of("..data", "gateway.yaml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path file() {
        return dir.resolve("gateway.yaml");
    }

    void write(String yaml) {
        try {
            Path data = Files.createDirectory(dir.resolve("..2026_11_25_" + version.incrementAndGet()));
            Files.writeString(data.resolve("gateway.yaml"), yaml, StandardCharsets.UTF_8);
            Path link = dir.resolve("..data_tmp");
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, data.getFileName());
            Files.move(link, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code yaml} with {@code ${test.origin.N}} filled in (plus a comment that makes every write a change) and
     * waits until the gateway applied it.
     */
    void applyAndWait(String yaml, Origins origins, MeterRegistry registry) {
        double before = reloads(registry, "success");
        String resolved = yaml + "# write " + System.nanoTime() + "\n";
        for (int i = 0; i < Origins.COUNT; i++) {
            resolved = resolved.replace("${test.origin." + i + "}", origins.get(i).address());
        }
        write(resolved);
        await().atMost(Duration.ofSeconds(10)).until(() -> reloads(registry, "success") > before);
    }

    /** ballast_gateway_config_reloads_total{result}. */
    static double reloads(MeterRegistry registry, String result) {
        return registry.get("ballast.gateway.config.reloads").tag("result", result).counter().count();
    }
}
