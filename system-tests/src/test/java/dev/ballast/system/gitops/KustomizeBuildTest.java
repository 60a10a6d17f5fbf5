package dev.ballast.system.gitops;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every kustomization in gitops/ (base, components, overlays, Argo CD, Flux) renders with the real kustomize. */
class KustomizeBuildTest {

    static List<String> kustomizations() {
        return GitopsTree.kustomizationDirectories();
    }

    @Test
    @DisplayName("the tree holds the base, every component, every environment and both bootstrap folders")
    void theTreeHasTheExpectedShape() {
        assertThat(kustomizations()).contains(
                "base",
                "components/redis", "components/monitoring", "components/example-policies",
                "components/gateway-autoscaling",
                "overlays/dev", "overlays/staging", "overlays/prod",
                "argocd",
                "flux/dev", "flux/staging", "flux/prod");
    }

    @Test
    @DisplayName("without kubectl on the PATH the checks fail and say how to install it")
    void missingKubectlFailsWithInstallHint(@TempDir Path emptyDirectory) {
        assertThatThrownBy(() -> Kustomize.kubectl(emptyDirectory.toString()))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("kubectl is not on the PATH")
                .hasMessageContaining("install kubectl");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kustomizations")
    @DisplayName("kubectl kustomize renders it without errors or warnings, into at least one object")
    void rendersWithoutErrorsOrWarnings(String directory) {
        List<Manifest> objects = Manifest.rendered(directory);

        if (directory.equals("components/monitoring/dashboards")) {
            // Generated: one ConfigMap per dashboard, and none while grafana/dashboards/ is empty.
            assertThat(objects).hasSize(MonitoringSources.dashboardFiles().size());
        } else {
            assertThat(objects).as("objects rendered from gitops/%s", directory).isNotEmpty();
        }
        assertThat(objects).allSatisfy(m -> {
            assertThat(m.apiVersion()).as("apiVersion of an object from %s", directory).isNotBlank();
            assertThat(m.kind()).as("kind of an object from %s", directory).isNotBlank();
            assertThat(m.name()).as("name of a %s from %s", m.kind(), directory).isNotBlank();
        });
    }
}
