package dev.ballast.gateway.reload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicInteger;

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
            dir = Files.createTempDirectory("gateway-configmap");
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
}
