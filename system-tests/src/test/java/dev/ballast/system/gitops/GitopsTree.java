package dev.ballast.system.gitops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where the GitOps tree and the sources it is generated from live, found from the test's working directory
 * (Maven runs module tests from system-tests/, an IDE may run them from the repository root).
 */
final class GitopsTree {

    static final Path ROOT = findRepositoryRoot();
    static final Path GITOPS = ROOT.resolve("gitops");
    static final List<String> ENVIRONMENTS = List.of("dev", "staging", "prod");

    private GitopsTree() {
    }

    /** Every directory holding a kustomization.yaml, relative to gitops/, in a stable order. */
    static List<String> kustomizationDirectories() {
        try (Stream<Path> files = Files.walk(GITOPS)) {
            return files.filter(p -> p.getFileName().toString().equals("kustomization.yaml"))
                    .map(p -> GITOPS.relativize(p.getParent()).toString().replace('\\', '/'))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path overlay(String environment) {
        return GITOPS.resolve("overlays").resolve(environment);
    }

    private static Path findRepositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isDirectory(dir.resolve("gitops")) && Files.isRegularFile(dir.resolve("mvnw"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("cannot find the repository root (a directory with gitops/ and mvnw) above "
                + Path.of("").toAbsolutePath());
    }
}
