package dev.ballast.system.gitops;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Argo CD and Flux bootstrap objects point at paths that exist and render, sync with the options issue 10 asks
 * for, and never fight the autoscaler over spec.replicas.
 */
class GitOpsControllersTest {

    private static final Pattern GO_TEMPLATE_PARAMETER = Pattern.compile("\\{\\{\\s*\\.(\\w+)\\s*}}");

    /** One Application per list element of the ApplicationSet, with the template's parameters filled in. */
    record Application(Map<String, String> parameters, JsonNode spec) {

        String path() {
            return fill(spec.path("source").path("path").asText());
        }

        String destination(String field) {
            return fill(spec.path("destination").path(field).asText());
        }

        @Override
        public String toString() {
            return "Application for " + parameters;
        }

        String fill(String text) {
            Matcher m = GO_TEMPLATE_PARAMETER.matcher(text);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String value = parameters.get(m.group(1));
                if (value == null) {
                    throw new AssertionError("template parameter " + m.group(1) + " is not set by the list element "
                            + parameters + " (goTemplateOptions missingkey=error would fail the sync)");
                }
                m.appendReplacement(out, Matcher.quoteReplacement(value));
            }
            m.appendTail(out);
            return out.toString();
        }
    }

    static List<Application> applications() {
        Manifest applicationSet = single(Manifest.rendered("argocd"), "ApplicationSet");
        List<Application> out = new ArrayList<>();
        for (JsonNode generator : applicationSet.spec().path("generators")) {
            for (JsonNode element : generator.path("list").path("elements")) {
                Map<String, String> parameters = new LinkedHashMap<>(Manifest.stringMap(element));
                out.add(new Application(parameters, applicationSet.spec().path("template").path("spec")));
            }
        }
        return out;
    }

    static List<Manifest> fluxKustomizations() {
        List<Manifest> out = new ArrayList<>();
        for (String environment : GitopsTree.ENVIRONMENTS) {
            Manifest.rendered("flux/" + environment).stream()
                    .filter(m -> m.apiVersion().startsWith("kustomize.toolkit.fluxcd.io/") && m.is("Kustomization"))
                    .forEach(out::add);
        }
        return out;
    }

    @Test
    @DisplayName("the ApplicationSet makes exactly one Application per environment")
    void oneApplicationPerEnvironment() {
        assertThat(applications()).extracting(a -> a.parameters().get("env"))
                .containsExactlyInAnyOrderElementsOf(GitopsTree.ENVIRONMENTS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("applications")
    @DisplayName("each Argo CD Application syncs an existing overlay into the namespace that overlay renders")
    void argoApplicationPathExistsAndMatchesItsNamespace(Application application) {
        String path = application.path();
        String overlay = path.replaceFirst("^gitops/", "");
        List<Manifest> rendered = Manifest.rendered(overlay);

        assertThat(Files.isRegularFile(GitopsTree.ROOT.resolve(path).resolve("kustomization.yaml")))
                .as("Argo CD path %s holds a kustomization", path).isTrue();
        assertThat(rendered).filteredOn(m -> m.is("Namespace")).extracting(Manifest::name)
                .containsExactly(application.destination("namespace"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("applications")
    @DisplayName("each Argo CD Application prunes, self-heals, creates its namespace and applies server-side")
    void argoApplicationSyncPolicy(Application application) {
        JsonNode syncPolicy = application.spec().path("syncPolicy");

        assertThat(syncPolicy.path("automated").path("prune").asBoolean()).isTrue();
        assertThat(syncPolicy.path("automated").path("selfHeal").asBoolean()).isTrue();
        assertThat(Manifest.JSON.convertValue(syncPolicy.path("syncOptions"), List.class))
                .contains("CreateNamespace=true", "ServerSideApply=true", "RespectIgnoreDifferences=true");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("applications")
    @DisplayName("Argo CD ignores spec.replicas of every workload a ScalingPolicy in the overlay scales")
    void argoIgnoresReplicasOfAutoscaledWorkloads(Application application) {
        List<Manifest> rendered = Manifest.rendered(application.path().replaceFirst("^gitops/", ""));
        Set<String> ignored = new HashSet<>();
        for (JsonNode rule : application.spec().path("ignoreDifferences")) {
            for (JsonNode pointer : rule.path("jsonPointers")) {
                if (pointer.asText().equals("/spec/replicas")) {
                    ignored.add(rule.path("kind").asText() + "/" + rule.path("name").asText());
                }
            }
        }
        List<String> scaled = rendered.stream().filter(m -> m.is("ScalingPolicy"))
                .map(p -> p.spec().path("scaleTargetRef"))
                .filter(ref -> rendered.stream().anyMatch(w -> w.kind().equals(ref.path("kind").asText())
                        && w.name().equals(ref.path("name").asText())))
                .map(ref -> ref.path("kind").asText() + "/" + ref.path("name").asText())
                .toList();

        assertThat(scaled).isNotEmpty();
        assertThat(ignored).containsAll(scaled);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("applications")
    @DisplayName("the AppProject allows each Application's repository, destination and cluster-scoped kinds")
    void appProjectAllowsWhatApplicationsDeploy(Application application) {
        Manifest project = single(Manifest.rendered("argocd"), "AppProject");
        Manifest applicationSet = single(Manifest.rendered("argocd"), "ApplicationSet");
        List<Manifest> rendered = Manifest.rendered(application.path().replaceFirst("^gitops/", ""));
        Set<String> allowedKinds = new HashSet<>();
        project.spec().path("clusterResourceWhitelist")
                .forEach(gk -> allowedKinds.add(gk.path("group").asText() + "/" + gk.path("kind").asText()));
        Set<String> destinations = new HashSet<>();
        project.spec().path("destinations")
                .forEach(d -> destinations.add(d.path("name").asText() + "/" + d.path("namespace").asText()));

        assertThat(application.spec().path("project").asText()).isEqualTo(project.name());
        assertThat(applicationSet.namespace()).isEqualTo(project.namespace());
        assertThat(Manifest.JSON.convertValue(project.spec().path("sourceRepos"), List.class))
                .contains(application.spec().path("source").path("repoURL").asText());
        assertThat(destinations).contains(application.destination("name") + "/" + application.destination("namespace"));
        assertThat(rendered).filteredOn(m -> m.namespace().isEmpty())
                .extracting(m -> m.group() + "/" + m.kind())
                .allSatisfy(kind -> assertThat(allowedKinds).as("clusterResourceWhitelist").contains(kind));
    }

    @Test
    @DisplayName("there is one Flux Kustomization per environment")
    void oneFluxKustomizationPerEnvironment() {
        assertThat(fluxKustomizations()).extracting(k -> k.spec().path("path").asText())
                .containsExactlyInAnyOrder("./gitops/overlays/dev", "./gitops/overlays/staging", "./gitops/overlays/prod");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fluxKustomizations")
    @DisplayName("each Flux Kustomization prunes an existing overlay from the GitRepository rendered beside it")
    void fluxKustomizationPathAndSourceExist(Manifest kustomization) {
        String path = kustomization.spec().path("path").asText().replaceFirst("^\\./", "");
        String environment = path.substring(path.lastIndexOf('/') + 1);
        List<Manifest> bootstrap = Manifest.rendered("flux/" + environment);
        JsonNode sourceRef = kustomization.spec().path("sourceRef");

        assertThat(Files.isRegularFile(GitopsTree.ROOT.resolve(path).resolve("kustomization.yaml")))
                .as("Flux path %s holds a kustomization", path).isTrue();
        assertThat(kustomization.spec().path("prune").asBoolean()).isTrue();
        assertThat(bootstrap).anySatisfy(source -> {
            assertThat(source.kind()).isEqualTo(sourceRef.path("kind").asText());
            assertThat(source.name()).isEqualTo(sourceRef.path("name").asText());
            assertThat(source.namespace()).isEqualTo(sourceRef.path("namespace").asText(kustomization.namespace()));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fluxKustomizations")
    @DisplayName("each Flux health check names an object the overlay renders, the CRD among them")
    void fluxHealthChecksNameRenderedObjects(Manifest kustomization) {
        List<Manifest> rendered = Manifest.rendered(kustomization.spec().path("path").asText()
                .replaceFirst("^\\./gitops/", ""));
        JsonNode checks = kustomization.spec().path("healthChecks");

        assertThat(checks).isNotEmpty();
        assertThat(checks).anySatisfy(c -> assertThat(c.path("kind").asText()).isEqualTo("CustomResourceDefinition"));
        for (JsonNode check : checks) {
            assertThat(rendered).as("object named by health check %s", check).anySatisfy(m -> {
                assertThat(m.apiVersion()).isEqualTo(check.path("apiVersion").asText());
                assertThat(m.kind()).isEqualTo(check.path("kind").asText());
                assertThat(m.name()).isEqualTo(check.path("name").asText());
                assertThat(m.namespace()).isEqualTo(check.path("namespace").asText(""));
            });
        }
    }

    @Test
    @DisplayName("the Flux GitRepository fetches gitops/, where every synced file lives")
    void fluxSourceKeepsTheGitopsFolder() {
        Manifest repository = single(Manifest.rendered("flux/source"), "GitRepository");

        assertThat(repository.spec().path("ignore").asText()).contains("!/gitops/");
        assertThat(repository.spec().path("url").asText())
                .isEqualTo(applications().get(0).spec().path("source").path("repoURL").asText());
    }

    private static Manifest single(List<Manifest> objects, String kind) {
        List<Manifest> matching = objects.stream().filter(m -> m.is(kind)).toList();
        assertThat(matching).as("%s objects", kind).hasSize(1);
        return matching.get(0);
    }
}
