package dev.ballast.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TempPathsTest {

    @Test
    @DisplayName("a registered directory goes with its content, a symbolic link in it goes but not what it points to")
    void deletesTreesNotLinkTargets() throws Exception {
        Path outside = TempPaths.file("temp-paths-target-", ".txt");
        Files.writeString(outside, "keep me");
        Path dir = TempPaths.directory("temp-paths-tree-");
        Files.createDirectories(dir.resolve("..2026_11_27/nested"));
        Files.writeString(dir.resolve("..2026_11_27/nested/tls.key"), "secret");
        Files.createSymbolicLink(dir.resolve("..data"), Path.of("..2026_11_27"));
        Files.createSymbolicLink(dir.resolve("outside"), outside);

        TempPaths.delete(dir);

        assertThat(dir).doesNotExist();
        assertThat(Files.exists(dir.resolve("..data"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(outside).hasContent("keep me");

        TempPaths.delete(outside);
        assertThat(outside).doesNotExist();
    }

    @Test
    @DisplayName("a path the test already deleted is skipped without an error")
    void toleratesPathsGoneAlready() throws Exception {
        Path file = TempPaths.file("temp-paths-gone-", ".txt");
        Files.delete(file);

        TempPaths.delete(file);

        assertThat(file).doesNotExist();
    }
}
