package dev.ballast.system.gitops;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Renders a kustomization with the real tool, {@code kubectl kustomize} (kustomize v5.5 inside kubectl 1.32), the
 * same renderer Argo CD and Flux embed. Results are cached per directory: every test class reads the same output.
 */
final class Kustomize {

    static final String INSTALL_HINT = "kubectl is not on the PATH. The GitOps checks render every overlay with "
            + "`kubectl kustomize`: install kubectl 1.27 or newer (https://kubernetes.io/docs/tasks/tools/, or "
            + "`apt-get install -y kubectl` from the pkgs.k8s.io apt repository) and run the tests again.";

    private static final Map<Path, String> RENDERED = new ConcurrentHashMap<>();

    private Kustomize() {
    }

    /** The rendered YAML stream of the kustomization in {@code directory}; fails on errors and on warnings. */
    static String build(Path directory) {
        return RENDERED.computeIfAbsent(directory.toAbsolutePath().normalize(), Kustomize::run);
    }

    static String build(String directoryUnderGitops) {
        return build(GitopsTree.GITOPS.resolve(directoryUnderGitops));
    }

    private static String run(Path directory) {
        Path kubectl = kubectl();
        try {
            Process process = new ProcessBuilder(kubectl.toString(), "kustomize", directory.toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            String stdout = read(process.getInputStream());
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("kubectl kustomize " + directory + " did not finish within 120 s");
            }
            String errors = stderr.join();
            if (process.exitValue() != 0) {
                throw new AssertionError("kubectl kustomize " + directory + " failed (exit " + process.exitValue()
                        + "):\n" + errors);
            }
            // kustomize reports deprecated fields (commonLabels, patchesStrategicMerge...) as warnings: fix them now,
            // before a kustomize upgrade in Argo CD or Flux turns them into errors.
            if (errors.contains("Warning")) {
                throw new AssertionError("kubectl kustomize " + directory + " warned:\n" + errors);
            }
            return stdout;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + kubectl + ": " + e.getMessage() + "\n" + INSTALL_HINT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while rendering " + directory, e);
        }
    }

    static Path kubectl() {
        return kubectl(System.getenv().getOrDefault("PATH", ""));
    }

    /** The kubectl executable found on {@code searchPath} (a PATH value); fails with the install hint otherwise. */
    static Path kubectl(String searchPath) {
        for (String dir : searchPath.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, "kubectl");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError(INSTALL_HINT);
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
