package dev.ballast.autoscaler.kube.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The test API server behaves as a real one where the fabric8 mock does not: the scale and status subresources,
 * optimistic concurrency and patch types. Other tests trust these rules, so each is pinned here over plain HTTP.
 */
class KubeApiServerTest {

    private static final String DEPLOYMENT = "/apis/apps/v1/namespaces/test/deployments/web";
    private static final ObjectMapper JSON = new ObjectMapper();

    private KubeApiServer api;
    private NamespacedKubernetesClient client;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        api = KubeApiServer.start();
        client = api.client();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    @DisplayName("GET /scale of a Deployment is an autoscaling/v1 Scale built from the object")
    void scaleOfDeployment() throws Exception {
        Deployment web = createDeployment(3, 2);

        Response r = send("GET", DEPLOYMENT + "/scale", null, null);

        assertThat(r.status).isEqualTo(200);
        assertThat(r.json.path("apiVersion").asText()).isEqualTo("autoscaling/v1");
        assertThat(r.json.path("kind").asText()).isEqualTo("Scale");
        assertThat(r.json.path("metadata").path("name").asText()).isEqualTo("web");
        assertThat(r.json.path("metadata").path("namespace").asText()).isEqualTo("test");
        assertThat(r.json.path("metadata").path("uid").asText()).isEqualTo(web.getMetadata().getUid()).isNotEmpty();
        assertThat(r.json.path("metadata").path("resourceVersion").asText()).isEqualTo(web.getMetadata().getResourceVersion());
        assertThat(r.json.path("spec").path("replicas").asInt()).isEqualTo(3);
        assertThat(r.json.path("status").path("replicas").asInt()).isEqualTo(2);
        assertThat(r.json.path("status").path("selector").asText()).isEqualTo("app=web,!legacy,tier in (a,b)");
    }

    @Test
    @DisplayName("GET /scale of a StatefulSet reads its replicas and selector the same way")
    void scaleOfStatefulSet() throws Exception {
        client.apps().statefulSets().resource(new StatefulSetBuilder().withNewMetadata().withName("db").endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "db").endSelector().endSpec().build()).create();

        Response r = send("GET", "/apis/apps/v1/namespaces/test/statefulsets/db/scale", null, null);

        assertThat(r.status).isEqualTo(200);
        assertThat(r.json.path("spec").path("replicas").asInt()).isEqualTo(2);
        assertThat(r.json.path("status").path("replicas").asInt()).isZero();
        assertThat(r.json.path("status").path("selector").asText()).isEqualTo("app=db");
    }

    @Test
    @DisplayName("PUT /scale changes only spec.replicas, bumps resourceVersion and answers the new Scale")
    void putScale() throws Exception {
        Deployment before = createDeployment(3, 3);
        String scale = send("GET", DEPLOYMENT + "/scale", null, null).body.replace("\"replicas\":3", "\"replicas\":5");

        Response r = send("PUT", DEPLOYMENT + "/scale?fieldManager=ballast-autoscaler", "application/json", scale);

        Deployment after = client.apps().deployments().withName("web").get();
        assertThat(r.status).isEqualTo(200);
        assertThat(r.json.path("kind").asText()).isEqualTo("Scale");
        assertThat(r.json.path("spec").path("replicas").asInt()).isEqualTo(5);
        assertThat(after.getSpec().getReplicas()).isEqualTo(5);
        assertThat(after.getStatus().getReplicas()).as("status is the controller's, not the scale writer's").isEqualTo(3);
        assertThat(after.getSpec().getTemplate()).isEqualTo(before.getSpec().getTemplate());
        assertThat(after.getSpec().getSelector()).isEqualTo(before.getSpec().getSelector());
        assertThat(after.getMetadata().getResourceVersion()).isNotEqualTo(before.getMetadata().getResourceVersion())
                .isEqualTo(r.json.path("metadata").path("resourceVersion").asText());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            application/merge-patch+json           | {"spec":{"replicas":7}}
            application/strategic-merge-patch+json | {"spec":{"replicas":7}}
            application/json-patch+json            | [{"op":"replace","path":"/spec/replicas","value":7}]
            application/apply-patch+yaml           | {"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"web"},"spec":{"replicas":7}}
            """)
    @DisplayName("PATCH /scale of every patch type changes only spec.replicas")
    void patchScale(String contentType, String patch) throws Exception {
        Deployment before = createDeployment(3, 3);

        Response r = send("PATCH", DEPLOYMENT + "/scale?fieldManager=ballast-autoscaler", contentType, patch);

        Deployment after = client.apps().deployments().withName("web").get();
        assertThat(r.status).isEqualTo(200);
        assertThat(r.json.path("spec").path("replicas").asInt()).isEqualTo(7);
        assertThat(after.getSpec().getReplicas()).isEqualTo(7);
        assertThat(after.getStatus()).isEqualTo(before.getStatus());
        assertThat(after.getMetadata().getLabels()).isEqualTo(before.getMetadata().getLabels());
    }

    @Test
    @DisplayName("a /scale write reaches watchers of the object as MODIFIED with the new replicas")
    void scaleWriteIsWatched() throws Exception {
        createDeployment(3, 3);
        java.util.List<Integer> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (var watch = client.apps().deployments().withName("web").watch(new io.fabric8.kubernetes.client.Watcher<Deployment>() {
            @Override
            public void eventReceived(Action action, Deployment d) {
                if (action == Action.MODIFIED) {
                    seen.add(d.getSpec().getReplicas());
                }
            }

            @Override
            public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
            }
        })) {
            send("PATCH", DEPLOYMENT + "/scale", "application/merge-patch+json", "{\"spec\":{\"replicas\":8}}");

            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(seen).contains(8));
        }
    }

    @Test
    @DisplayName("a stale resourceVersion on a /scale write is refused with 409 Conflict and changes nothing")
    void staleScaleWrite() throws Exception {
        createDeployment(3, 3);
        String stale = send("GET", DEPLOYMENT + "/scale", null, null).body;
        send("PATCH", DEPLOYMENT + "/scale", "application/merge-patch+json", "{\"spec\":{\"replicas\":4}}");

        Response r = send("PUT", DEPLOYMENT + "/scale", "application/json", stale.replace("\"replicas\":3", "\"replicas\":9"));

        assertThat(r.status).isEqualTo(409);
        assertThat(r.json.path("reason").asText()).isEqualTo("Conflict");
        assertThat(r.json.path("message").asText()).contains("deployments.apps \"web\"", "the object has been modified");
        assertThat(client.apps().deployments().withName("web").get().getSpec().getReplicas()).isEqualTo(4);
    }

    @Test
    @DisplayName("a stale resourceVersion in a merge patch is refused too; a patch without one always applies")
    void stalePatch() throws Exception {
        Deployment d = createDeployment(3, 3);
        send("PATCH", DEPLOYMENT + "/scale", "application/merge-patch+json", "{\"spec\":{\"replicas\":4}}");

        Response stale = send("PATCH", DEPLOYMENT + "/scale", "application/merge-patch+json",
                "{\"metadata\":{\"resourceVersion\":\"" + d.getMetadata().getResourceVersion() + "\"},\"spec\":{\"replicas\":6}}");

        assertThat(stale.status).isEqualTo(409);
        assertThat(client.apps().deployments().withName("web").get().getSpec().getReplicas()).isEqualTo(4);
    }

    @Test
    @DisplayName("/scale of a missing object is 404 NotFound for reads and writes")
    void missingObject() throws Exception {
        Response get = send("GET", DEPLOYMENT + "/scale", null, null);
        Response put = send("PUT", DEPLOYMENT + "/scale", "application/json", "{\"spec\":{\"replicas\":2}}");

        assertThat(get.status).isEqualTo(404);
        assertThat(get.json.path("reason").asText()).isEqualTo("NotFound");
        assertThat(get.json.path("message").asText()).isEqualTo("deployments.apps \"web\" not found");
        assertThat(put.status).isEqualTo(404);
    }

    @Test
    @DisplayName("negative replicas are 422 Invalid; apply without a field manager is 400; unknown patch types are 415")
    void refusedWrites() throws Exception {
        createDeployment(3, 3);

        Response negative = send("PATCH", DEPLOYMENT + "/scale", "application/merge-patch+json", "{\"spec\":{\"replicas\":-1}}");
        Response noManager = send("PATCH", DEPLOYMENT + "/scale", "application/apply-patch+yaml", "spec:\n  replicas: 2\n");
        Response unknown = send("PATCH", DEPLOYMENT + "/scale", "text/plain", "replicas=2");

        assertThat(negative.status).isEqualTo(422);
        assertThat(negative.json.path("message").asText()).contains("must be greater than or equal to 0");
        assertThat(noManager.status).isEqualTo(400);
        assertThat(noManager.json.path("message").asText()).contains("fieldManager is required for apply requests");
        assertThat(unknown.status).isEqualTo(415);
        assertThat(client.apps().deployments().withName("web").get().getSpec().getReplicas()).isEqualTo(3);
    }

    @Test
    @DisplayName("the field manager of each write is recorded in managedFields (with its subresource) and in the request log")
    void fieldManagers() throws Exception {
        createDeployment(3, 3);

        send("PATCH", DEPLOYMENT + "/scale?fieldManager=ballast-autoscaler", "application/merge-patch+json", "{\"spec\":{\"replicas\":4}}");

        List<ManagedFieldsEntry> managed = client.apps().deployments().withName("web").get().getMetadata().getManagedFields();
        assertThat(managed).anySatisfy(e -> {
            assertThat(e.getManager()).isEqualTo("ballast-autoscaler");
            assertThat(e.getOperation()).isEqualTo("Update");
            assertThat(e.getSubresource()).isEqualTo("scale");
        });
        RecordedCall last = api.lastWrite("/deployments/web/scale");
        assertThat(last.fieldManager()).isEqualTo("ballast-autoscaler");
        assertThat(last.subresource()).isEqualTo("scale");
        assertThat(last.contentType()).startsWith("application/merge-patch+json");
    }

    @Test
    @DisplayName("a Deployment created with a status starts without it; only /status writes it")
    void createDropsStatus() {
        Deployment created = client.apps().deployments().resource(deployment(3, 3)).create();

        assertThat(created.getStatus()).isNull();
    }

    @Test
    @DisplayName("PUT and PATCH on /status change only status")
    void statusWrites() throws Exception {
        createDeployment(3, 1);
        String object = send("GET", DEPLOYMENT, null, null).body
                .replace("\"replicas\":3", "\"replicas\":9").replace("\"replicas\":1", "\"replicas\":2");

        Response put = send("PUT", DEPLOYMENT + "/status", "application/json", object);
        Response patch = send("PATCH", DEPLOYMENT + "/status", "application/merge-patch+json",
                "{\"spec\":{\"replicas\":8},\"status\":{\"readyReplicas\":2}}");

        Deployment after = client.apps().deployments().withName("web").get();
        assertThat(put.status).isEqualTo(200);
        assertThat(patch.status).isEqualTo(200);
        assertThat(after.getSpec().getReplicas()).as("spec is not written through /status").isEqualTo(3);
        assertThat(after.getStatus().getReplicas()).isEqualTo(2);
        assertThat(after.getStatus().getReadyReplicas()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            PUT   |
            PATCH | application/merge-patch+json
            PATCH | application/apply-patch+yaml
            """)
    @DisplayName("writes of the object itself ignore status changes")
    void objectWritesIgnoreStatus(String method, String contentType) throws Exception {
        createDeployment(3, 1);
        String body = method.equals("PUT")
                ? send("GET", DEPLOYMENT, null, null).body.replace("\"replicas\":1", "\"replicas\":7").replace("\"replicas\":3", "\"replicas\":4")
                : "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},\"spec\":{\"replicas\":4},\"status\":{\"replicas\":7}}";

        Response r = send(method, DEPLOYMENT + "?fieldManager=someone", contentType == null ? "application/json" : contentType, body);

        Deployment after = client.apps().deployments().withName("web").get();
        assertThat(r.status).isEqualTo(200);
        assertThat(after.getSpec().getReplicas()).isEqualTo(4);
        assertThat(after.getStatus().getReplicas()).isEqualTo(1);
    }

    @Test
    @DisplayName("ScalingPolicy objects have a status subresource: status only through /status")
    void scalingPolicyStatus() {
        GenericKubernetesResource policy = new GenericKubernetesResourceBuilder().withApiVersion("ballast.dev/v1alpha1")
                .withKind("ScalingPolicy").withNewMetadata().withName("p").withNamespace("test").endMetadata()
                .addToAdditionalProperties("spec", Map.of("minReplicas", 1))
                .addToAdditionalProperties("status", Map.of("currentReplicas", 9)).build();
        var policies = client.genericKubernetesResources(new io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext.Builder()
                .withGroup("ballast.dev").withVersion("v1alpha1").withKind("ScalingPolicy").withPlural("scalingpolicies").withNamespaced(true).build());

        GenericKubernetesResource created = policies.resource(policy).create();
        boolean createdWithStatus = created.getAdditionalProperties().containsKey("status");
        created.setAdditionalProperty("status", Map.of("currentReplicas", 2));
        policies.resource(created).updateStatus();
        GenericKubernetesResource read = policies.withName("p").get();
        read.setAdditionalProperty("status", Map.of("currentReplicas", 5));
        read.setAdditionalProperty("spec", Map.of("minReplicas", 2));
        policies.resource(read).update();

        GenericKubernetesResource after = policies.withName("p").get();
        assertThat(createdWithStatus).as("create drops the status").isFalse();
        assertThat(after.getAdditionalProperties().get("status")).isEqualTo(Map.of("currentReplicas", 2));
        assertThat(after.getAdditionalProperties().get("spec")).isEqualTo(Map.of("minReplicas", 2));
    }

    @Test
    @DisplayName("a custom resource whose CRD declares subresources.scale answers /scale from the declared paths")
    void customResourceScale() throws Exception {
        client.resource(JSON.readValue("""
                {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
                 "metadata":{"name":"workers.example.com"},
                 "spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"workers","singular":"worker","kind":"Worker"},
                  "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}},
                   "subresources":{"status":{},"scale":{"specReplicasPath":".spec.size","statusReplicasPath":".status.size","labelSelectorPath":".status.selector"}}}]}}
                """, io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition.class)).create();
        client.genericKubernetesResources("example.com/v1", "Worker").resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("example.com/v1").withKind("Worker").withNewMetadata().withName("w").withNamespace("test").endMetadata()
                .addToAdditionalProperties("spec", Map.of("size", 2)).build()).create();
        send("PATCH", "/apis/example.com/v1/namespaces/test/workers/w/status", "application/merge-patch+json",
                "{\"status\":{\"size\":2,\"selector\":\"app=w\"}}");

        Response read = send("GET", "/apis/example.com/v1/namespaces/test/workers/w/scale", null, null);
        Response write = send("PATCH", "/apis/example.com/v1/namespaces/test/workers/w/scale", "application/merge-patch+json", "{\"spec\":{\"replicas\":5}}");

        Response discovery = send("GET", "/apis/example.com/v1", null, null);
        assertThat(read.json.path("spec").path("replicas").asInt()).isEqualTo(2);
        assertThat(read.json.path("status").path("selector").asText()).isEqualTo("app=w");
        assertThat(write.status).isEqualTo(200);
        GenericKubernetesResource w = client.genericKubernetesResources("example.com/v1", "Worker").withName("w").get();
        assertThat(discovery.json.path("resources").findValuesAsText("name")).contains("workers", "workers/scale", "workers/status");
        assertThat(((Map<?, ?>) w.getAdditionalProperties().get("spec")).get("size")).isEqualTo(5);
    }

    @Test
    @DisplayName("discovery of apps/v1 lists the workloads with their scale and status subresources")
    void appsDiscovery() throws Exception {
        Response r = send("GET", "/apis/apps/v1", null, null);

        assertThat(r.status).isEqualTo(200);
        assertThat(r.json.path("resources").findValuesAsText("name")).contains("deployments", "deployments/scale",
                "deployments/status", "statefulsets", "statefulsets/scale");
    }

    @Test
    @DisplayName("/scale of a kind without a scale subresource is 404")
    void noScaleSubresource() throws Exception {
        client.configMaps().resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata().withName("c").endMetadata().build()).create();

        assertThat(send("GET", "/api/v1/namespaces/test/configmaps/c/scale", null, null).status).isEqualTo(404);
    }

    @Test
    @DisplayName("injected failures answer the next matching requests with a Status error, then the server recovers")
    void injectedFailures() throws Exception {
        createDeployment(3, 3);
        api.failNext("GET", "/deployments/web/scale$", 503, 2);

        List<Integer> statuses = List.of(send("GET", DEPLOYMENT + "/scale", null, null).status,
                send("GET", DEPLOYMENT + "/scale", null, null).status, send("GET", DEPLOYMENT + "/scale", null, null).status);

        assertThat(statuses).containsExactly(503, 503, 200);
        assertThat(api.calls(c -> c.path().endsWith("/scale")).stream().map(RecordedCall::status)).containsExactly(503, 503, 200);
    }

    @Test
    @DisplayName("a delayed answer holds the request for the given time (a hung API server)")
    void delayedAnswer() {
        api.delayNext("GET", "/deployments/web/scale$", Duration.ofSeconds(30), 1);
        HttpClient impatient = HttpClient.newBuilder().build();

        HttpRequest request = HttpRequest.newBuilder(URI.create(api.url() + DEPLOYMENT.substring(1) + "/scale"))
                .timeout(Duration.ofMillis(200)).GET().build();

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> impatient.send(request, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(java.net.http.HttpTimeoutException.class);
    }

    private Deployment createDeployment(int replicas, int statusReplicas) {
        Deployment d = client.apps().deployments().resource(deployment(replicas, statusReplicas)).create();
        d.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder().withReplicas(statusReplicas).build());
        return client.apps().deployments().resource(d).updateStatus();
    }

    private static Deployment deployment(int replicas, int statusReplicas) {
        return new DeploymentBuilder().withNewMetadata().withName("web").withNamespace("test").addToLabels("team", "a").endMetadata()
                .withNewSpec().withReplicas(replicas)
                .withNewSelector().addToMatchLabels("app", "web")
                .addToMatchExpressions(new LabelSelectorRequirement("tier", "In", List.of("b", "a")))
                .addToMatchExpressions(new LabelSelectorRequirement("legacy", "DoesNotExist", List.of()))
                .endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "web").addToLabels("tier", "a").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("nginx").endContainer().endSpec().endTemplate()
                .endSpec()
                .withNewStatus().withReplicas(statusReplicas).endStatus().build();
    }

    private record Response(int status, String body, JsonNode json) {
    }

    private Response send(String method, String path, String contentType, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api.url() + path.substring(1)))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
        return new Response(r.statusCode(), r.body(), json);
    }
}
