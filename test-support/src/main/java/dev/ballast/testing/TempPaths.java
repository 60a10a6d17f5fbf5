package dev.ballast.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Temporary files and directories that tests create and that must not outlive the test JVM: each is deleted (a
 * directory with everything in it, symbolic links themselves rather than their targets) when the JVM exits. A test
 * that deletes its path earlier loses nothing. Without this, every run left certificate pairs, ConfigMap volumes and
 * fake nvidia-smi scripts behind in /tmp.
 */
public final class TempPaths {

    private static final Set<Path> CREATED = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(TempPaths::deleteAll, "temp-paths-cleanup"));
    }

    private TempPaths() {
    }

    /** A new empty directory in the system's temporary directory, deleted with its content at JVM exit. */
    public static Path directory(String prefix) {
        try {
            return registered(Files.createTempDirectory(prefix));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create a temporary directory " + prefix + "*", e);
        }
    }

    /** A new empty file in the system's temporary directory, deleted at JVM exit. */
    public static Path file(String prefix, String suffix) {
        try {
            return registered(Files.createTempFile(prefix, suffix));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create a temporary file " + prefix + "*" + suffix, e);
        }
    }

    private static Path registered(Path path) {
        CREATED.add(path);
        return path;
    }

    /** Deletes every registered path that still exists; what cannot be deleted is named on stderr, not thrown. */
    static void deleteAll() {
        CREATED.forEach(TempPaths::delete);
    }

    /** Deletes a file, or a directory depth first; Files.walk does not follow symbolic links. */
    static void delete(Path path) {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> tree = Files.walk(path)) {
            for (Path p : (Iterable<Path>) tree.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not delete temporary test path " + path + ": " + e.getMessage());
        }
    }
}
