package dev.ballast.gateway.discovery;

import dev.ballast.gateway.testing.GatewayTestBase;
import dev.ballast.gateway.testing.Origin;
import dev.ballast.gateway.testing.Origins;
import dev.ballast.lb.UpstreamPool;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway's RBAC (issue 5: "RBAC needs only list/watch on EndpointSlices") is enough and no more. The gateway
 * discovers a Service's endpoints from the fabric8 mock API server and serves traffic through slice changes; then
 * every request the mock server received from the gateway is mapped to the RBAC verb the API server would check and
 * must be allowed by the rules in {@code gitops/base/api-gateway/rbac.yaml}; and those rules must grant nothing else.
 * The test's own calls carry a distinct User-Agent and are left out.
 */
@QuarkusTest
@TestProfile(GitopsRbacTest.Profile.class)
@WithKubernetesTestServer
@QuarkusTestResource(value = Origins.class, restrictToAnnotatedClass = true)
class GitopsRbacTest extends GatewayTestBase {

    static final Path RBAC = Path.of("../gitops/base/api-gateway/rbac.yaml");

    /** The User-Agent of the test's own client: its requests are not the gateway's. */
    static final String TEST_AGENT = "ballast-gitops-rbac-test";

    /** The discovery test's configuration, as a profile of its own: a fresh app, so the gateway's first calls are seen. */
    public static class Profile extends KubernetesDiscoveryTest.Profile {
    }

    /** One rule of a (Cluster)Role; absent keys are empty lists. */
    record Rule(List<String> apiGroups, List<String> resources, List<String> verbs, List<String> resourceNames,
                List<String> nonResourceURLs) {

        boolean allows(String group, String resource, String verb) {
            return resourceNames.isEmpty() && apiGroups.contains(group) && resources.contains(resource)
                    && verbs.contains(verb);
        }
    }

    /** An API call as the API server's authorizer sees it (request-info), or null fields for non-resource paths. */
    record Call(String agent, String method, String path, String group, String resource, String verb) {

        @Override
        public String toString() {
            return method + " " + path + " (" + agent + ") = " + verb + " " + (group.isEmpty() ? "core" : group) + "/"
                    + resource;
        }
    }

    @KubernetesTestServer
    KubernetesServer api;

    /** The test's own client: same server and namespace as the gateway's, but its own User-Agent. */
    private KubernetesClient own;

    @BeforeEach
    void ownClient() {
        own = new KubernetesClientBuilder().withConfig(new ConfigBuilder(api.getClient().getConfiguration())
                .withUserAgent(TEST_AGENT).build()).build();
    }

    @AfterEach
    void closeOwnClient() {
        own.close();
    }

    @Test
    @DisplayName("every API call the gateway makes while discovering and following a Service is allowed by the gitops "
            + "ClusterRole, and it lists and watches endpointslices")
    void gatewayCallsAreAllowedByGitopsRbac() throws Exception {
        Origin a = origins.get(0);
        Origin b = origins.get(1);
        put(Slices.ready("vllm-a", a.port(), "pod-a"));
        await().atMost(Duration.ofSeconds(10)).until(() -> client.get("/v1/models").status() == 200);

        try (SteadyTraffic traffic = new SteadyTraffic(gateway.getPort(), "/v1/models")) {
            put(Slices.ready("vllm-b", b.port(), "pod-b"));
            await().atMost(Duration.ofSeconds(10)).until(() -> traffic.servedBy(b.name()) > 0);
            put(Slices.terminating("vllm-a", a.port(), "pod-a"));
            await().atMost(Duration.ofSeconds(10)).until(() -> pool().endpoint("127.0.0.1:" + a.port()).isDraining());
            own.discovery().v1().endpointSlices().withName("vllm-a").delete();
            await().atMost(Duration.ofSeconds(10)).until(() -> pool().endpoints().size() == 1);
            int served = traffic.ok();
            await().atMost(Duration.ofSeconds(20)).until(() -> traffic.ok() > served + 20 || !traffic.errors().isEmpty());
            traffic.close();
            assertThat(traffic.errors()).isEmpty();
        }

        List<Call> calls = recordedCalls();
        List<Call> gateway = calls.stream().filter(call -> !call.agent().equals(TEST_AGENT)).toList();
        System.out.println("GitopsRbacTest: the gateway's API calls:");
        gateway.forEach(call -> System.out.println("  " + call));
        // The split worked: the test's own writes were recorded under its agent, and the gateway's calls are others.
        assertThat(calls).anyMatch(call -> call.agent().equals(TEST_AGENT) && call.verb().equals("delete"));
        assertThat(gateway).isNotEmpty();

        List<Rule> rules = gitopsRules();
        assertThat(gateway).allSatisfy(call -> assertThat(rules)
                .as("a rule in %s allowing %s", RBAC, call)
                .anyMatch(rule -> rule.allows(call.group(), call.resource(), call.verb())));
        assertThat(gateway).as("the gateway lists endpointslices").anyMatch(call -> isOnSlices(call, "list"));
        assertThat(gateway).as("the gateway watches endpointslices").anyMatch(call -> isOnSlices(call, "watch"));
    }

    @Test
    @DisplayName("the gitops ClusterRole grants list and watch on endpointslices and nothing else, bound to the "
            + "gateway's service account")
    void clusterRoleGrantsNothingMore() throws IOException {
        List<Map<String, Object>> documents = documents();
        assertThat(documents).extracting(d -> d.get("kind"))
                .containsExactlyInAnyOrder("ServiceAccount", "ClusterRole", "ClusterRoleBinding");

        Map<String, Object> role = kind(documents, "ClusterRole");
        assertThat(role).as("an aggregated ClusterRole gets rules from elsewhere").doesNotContainKey("aggregationRule");
        assertThat(gitopsRules()).containsExactly(new Rule(List.of("discovery.k8s.io"), List.of("endpointslices"),
                List.of("list", "watch"), List.of(), List.of()));

        Map<String, Object> binding = kind(documents, "ClusterRoleBinding");
        assertThat(map(binding.get("roleRef"))).containsEntry("kind", "ClusterRole")
                .containsEntry("name", map(role.get("metadata")).get("name"));
        assertThat(list(binding.get("subjects"))).singleElement().satisfies(subject -> assertThat(map(subject))
                .containsEntry("kind", "ServiceAccount")
                .containsEntry("name", map(kind(documents, "ServiceAccount").get("metadata")).get("name")));
    }

    @Test
    @DisplayName("API calls map to RBAC verbs as the API server's request-info rules say")
    void requestInfo() {
        String slices = "/apis/discovery.k8s.io/v1/namespaces/test/endpointslices";
        assertThat(List.of(
                call("a", "GET", slices + "?labelSelector=x&resourceVersion=0"),
                call("a", "GET", slices + "?resourceVersion=0&watch=true"),
                call("a", "GET", slices + "?watch=1"),
                call("a", "GET", "/apis/discovery.k8s.io/v1/watch/namespaces/test/endpointslices"),
                call("a", "GET", "/apis/discovery.k8s.io/v1/endpointslices"),
                call("a", "GET", slices + "/vllm-a"),
                call("a", "POST", slices),
                call("a", "PUT", slices + "/vllm-a"),
                call("a", "PATCH", slices + "/vllm-a"),
                call("a", "DELETE", slices + "/vllm-a"),
                call("a", "DELETE", slices),
                call("a", "GET", "/api/v1/namespaces/test/pods/p/log"),
                call("a", "GET", "/apis/discovery.k8s.io")))
                .extracting(c -> c.verb() + " " + c.group() + "/" + c.resource())
                .containsExactly("list discovery.k8s.io/endpointslices", "watch discovery.k8s.io/endpointslices",
                        "watch discovery.k8s.io/endpointslices", "watch discovery.k8s.io/endpointslices",
                        "list discovery.k8s.io/endpointslices", "get discovery.k8s.io/endpointslices",
                        "create discovery.k8s.io/endpointslices", "update discovery.k8s.io/endpointslices",
                        "patch discovery.k8s.io/endpointslices", "delete discovery.k8s.io/endpointslices",
                        "deletecollection discovery.k8s.io/endpointslices", "get /pods/log", " /");
    }

    private static boolean isOnSlices(Call call, String verb) {
        return call.group().equals("discovery.k8s.io") && call.resource().equals("endpointslices")
                && call.verb().equals(verb);
    }

    /** Every request the mock API server has received so far, as the authorizer would see it. */
    private List<Call> recordedCalls() throws InterruptedException {
        List<Call> calls = new ArrayList<>();
        var server = api.getKubernetesMockServer();
        int count = server.getRequestCount();
        for (int i = 0; i < count; i++) {
            RecordedRequest request = server.takeRequest(10, TimeUnit.SECONDS);
            assertThat(request).as("recorded request %d of %d", i + 1, count).isNotNull();
            calls.add(call(request));
        }
        return calls;
    }

    /**
     * The Kubernetes API server's request-info rules, for what a client can send: {@code /api/v1/...} is the core
     * group, {@code /apis/<group>/<version>/...} another; {@code namespaces/<ns>/} is skipped; GET of a collection is
     * list, of a name get, with {@code watch=true|1} (or under {@code /watch/}) watch; POST create, PUT update, PATCH
     * patch, DELETE delete (deletecollection on a collection). Discovery paths ({@code /api}, {@code /apis/<group>})
     * and other non-resource paths get verb "" and resource "": no resource rule allows them, which here is right,
     * since the gateway has no reason to call them.
     */
    static Call call(RecordedRequest request) {
        return call(String.valueOf(request.getHeader("User-Agent")), request.getMethod(), request.getPath());
    }

    static Call call(String agent, String method, String full) {
        int q = full.indexOf('?');
        String path = q < 0 ? full : full.substring(0, q);
        String query = q < 0 ? "" : full.substring(q + 1);
        List<String> parts = new ArrayList<>(List.of(path.replaceFirst("^/", "").split("/")));
        String group;
        if (parts.size() > 2 && parts.get(0).equals("api")) {
            group = "";
            parts = parts.subList(2, parts.size());
        } else if (parts.size() > 3 && parts.get(0).equals("apis")) {
            group = parts.get(1);
            parts = parts.subList(3, parts.size());
        } else {
            return new Call(agent, method, full, "", "", "");
        }
        boolean watch = Set.of(query.split("&")).contains("watch=true") || Set.of(query.split("&")).contains("watch=1");
        if (parts.get(0).equals("watch")) {
            watch = true;
            parts = parts.subList(1, parts.size());
        }
        if (parts.size() > 2 && parts.get(0).equals("namespaces")) {
            parts = parts.subList(2, parts.size());
        }
        String resource = parts.size() > 2 ? parts.get(0) + "/" + parts.get(2) : parts.get(0);
        boolean named = parts.size() > 1;
        String verb = switch (method) {
            case "GET", "HEAD" -> watch ? "watch" : named ? "get" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> named ? "delete" : "deletecollection";
            default -> method.toLowerCase();
        };
        return new Call(agent, method, full, group, resource, verb);
    }

    /** The rules of every Role and ClusterRole in the gitops file. */
    static List<Rule> gitopsRules() throws IOException {
        List<Rule> rules = new ArrayList<>();
        for (Map<String, Object> doc : documents()) {
            if (doc.get("kind").equals("ClusterRole") || doc.get("kind").equals("Role")) {
                for (Object rule : list(doc.get("rules"))) {
                    Map<String, Object> r = map(rule);
                    rules.add(new Rule(strings(r.get("apiGroups")), strings(r.get("resources")), strings(r.get("verbs")),
                            strings(r.get("resourceNames")), strings(r.get("nonResourceURLs"))));
                }
            }
        }
        return rules;
    }

    private static List<Map<String, Object>> documents() throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(RBAC)) {
            for (Object doc : new Yaml().loadAll(reader)) {
                if (doc != null) {
                    docs.add(map(doc));
                }
            }
        }
        return docs;
    }

    private static Map<String, Object> kind(List<Map<String, Object>> documents, String kind) {
        return documents.stream().filter(d -> kind.equals(d.get("kind"))).findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    private static List<?> list(Object o) {
        return o == null ? List.of() : (List<?>) o;
    }

    private static List<String> strings(Object o) {
        return list(o).stream().map(String::valueOf).toList();
    }

    private void put(EndpointSlice slice) {
        own.discovery().v1().endpointSlices().resource(slice).createOr(NonDeletingOperation::update);
    }

    private UpstreamPool pool() {
        return runtime.upstreams().get("pods").pool();
    }
}
