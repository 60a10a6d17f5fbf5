package dev.ballast.autoscaler.kube.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.JsonPatch;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Puts a real API server's subresource rules in front of the fabric8 CRUD dispatcher, which on its own stores a PUT
 * to {@code /scale} as if it were the object. {@code /scale} answers an {@code autoscaling/v1} Scale and writes only the
 * replicas (kubernetes registry/apps/deployment/storage ScaleREST); {@code /status} writes only status and the object
 * ignores status (the strategies' PrepareForUpdate); stale resourceVersions get 409 Conflict; every PATCH type works
 * (merge, JSON, strategic as merge, apply as merge with a required fieldManager). Everything else is plain CRUD.
 */
final class SubresourceDispatcher extends Dispatcher {

    private static final Pattern OBJECT = Pattern.compile("/(?:api|apis/([^/]+))/([^/]+)/namespaces/([^/]+)/([^/]+)/([^/]+)(?:/([^/]+))?");
    private static final Pattern COLLECTION = Pattern.compile("/(?:api|apis/([^/]+))/([^/]+)/namespaces/([^/]+)/([^/]+)");
    private static final Pattern DISCOVERY = Pattern.compile("/(?:api|apis/([^/]+))/([^/]+)");
    private static final String CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

    private final KubernetesCrudDispatcher crud;
    private final ObjectMapper json = new ObjectMapper();
    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    private final Map<String, ScaleSubresource> scaled = new ConcurrentHashMap<>();
    private final Set<String> withStatus = ConcurrentHashMap.newKeySet();
    private final List<RecordedCall> calls = new CopyOnWriteArrayList<>();
    private final List<Fault> faults = new ArrayList<>();
    /** Read-modify-write of one object is atomic, as etcd's compare-and-swap makes it on a real server. */
    private final Object writes = new Object();

    SubresourceDispatcher(KubernetesCrudDispatcher crud) {
        this.crud = crud;
        for (String workload : List.of("apps/deployments", "apps/statefulsets", "apps/replicasets")) {
            scaled.put(workload, ScaleSubresource.forWorkload());
            withStatus.add(workload);
        }
        withStatus.add("ballast.dev/scalingpolicies");
    }

    /** The identity of one namespaced object addressed by a request path, and the subresource asked for. */
    record Target(String group, String version, String namespace, String plural, String name, String subresource) {

        String key() {
            return group + "/" + plural;
        }

        String objectPath() {
            return (group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version)
                    + "/namespaces/" + namespace + "/" + plural + "/" + name;
        }

        String collectionPath() {
            return objectPath().substring(0, objectPath().lastIndexOf('/'));
        }

        /** "deployments.apps" as API server messages name a resource. */
        String qualified() {
            return group.isEmpty() ? plural : plural + "." + group;
        }
    }

    /** A failure the next matching requests get instead of their answer (or a delay before it). */
    private static final class Fault {
        final String method;
        final Pattern path;
        final int code;
        final Duration delay;
        int remaining;

        Fault(String method, Pattern path, int code, Duration delay, int times) {
            this.method = method;
            this.path = path;
            this.code = code;
            this.delay = delay;
            this.remaining = times;
        }
    }

    void scaleSubresource(String group, String plural, ScaleSubresource s) {
        scaled.put(group + "/" + plural, s);
    }

    void statusSubresource(String group, String plural) {
        withStatus.add(group + "/" + plural);
    }

    List<RecordedCall> calls() {
        return List.copyOf(calls);
    }

    void clearCalls() {
        calls.clear();
    }

    void fail(String method, String pathRegex, int code, Duration delay, int times) {
        synchronized (faults) {
            faults.add(new Fault(method.toUpperCase(Locale.ROOT), Pattern.compile(pathRegex), code, delay, times));
        }
    }

    void clearFaults() {
        synchronized (faults) {
            faults.clear();
        }
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String body = request.getBody() == null ? "" : new String(request.getBody().getBytes(), StandardCharsets.UTF_8);
        String raw = request.getPath();
        int q = raw.indexOf('?');
        String path = q < 0 ? raw : raw.substring(0, q);
        Map<String, String> query = q < 0 ? Map.of() : query(raw.substring(q + 1));
        String method = request.getMethod().toUpperCase(Locale.ROOT);
        MockResponse response;
        try {
            response = route(request, method, path, query, body);
        } catch (RuntimeException e) {
            response = status(500, "InternalError", "test API server: " + e, null);
        }
        calls.add(new RecordedCall(method, path, query, request.getHeader("Content-Type"), request.getHeader("User-Agent"),
                body, response.code()));
        return response;
    }

    private MockResponse route(RecordedRequest request, String method, String path, Map<String, String> query, String body) {
        MockResponse fault = fault(method, path);
        if (fault != null) {
            return fault;
        }
        String contentType = request.getHeader("Content-Type");
        String userAgent = request.getHeader("User-Agent");
        Matcher o = OBJECT.matcher(path);
        if (o.matches()) {
            Target t = new Target(o.group(1) == null ? "" : o.group(1), o.group(2), o.group(3), o.group(4), o.group(5), o.group(6));
            boolean hasStatus = withStatus.contains(t.key());
            boolean write = method.equals("PUT") || method.equals("PATCH");
            if ("scale".equals(t.subresource())) {
                return scale(t, method, contentType, body, query, userAgent);
            }
            if ("status".equals(t.subresource()) && hasStatus && write) {
                return writeStatus(t, method, contentType, body, query, userAgent);
            }
            if (t.subresource() == null && (method.equals("PATCH") || method.equals("PUT") && hasStatus)) {
                return writeObject(t, method, contentType, body, query, userAgent, hasStatus);
            }
        }
        Matcher c = COLLECTION.matcher(path);
        if (method.equals("POST") && c.matches() && withStatus.contains((c.group(1) == null ? "" : c.group(1)) + "/" + c.group(4))) {
            // PrepareForCreate of every resource with a status subresource drops the status the client sent
            ObjectNode created = readObject(body);
            if (created != null) {
                created.remove("status");
                return crud.dispatch(internal(method, request.getPath(), created.toString(), request.getHeaders()));
            }
        }
        if (method.equals("POST") && path.equals(CRDS)) {
            learnSubresources(body);
        }
        MockResponse answer = crud.dispatch(internal(method, request.getPath(), body, request.getHeaders()));
        Matcher d = DISCOVERY.matcher(path);
        return method.equals("GET") && d.matches() ? discovery(d.group(1) == null ? "" : d.group(1), d.group(2), answer) : answer;
    }

    /**
     * {@code /apis/<group>/<version>} as a real server lists it: each resource, and its {@code scale} and
     * {@code status} subresources as entries of their own (the CRUD dispatcher lists custom resources only, without
     * subresources, and knows no built-in group).
     */
    private MockResponse discovery(String group, String version, MockResponse crudAnswer) {
        ObjectNode list = crudAnswer.code() == 200 ? readObject(bodyOf(crudAnswer)) : null;
        boolean apps = group.equals("apps") && version.equals("v1");
        if (list == null || !"APIResourceList".equals(list.path("kind").asText())) {
            if (!apps) {
                return crudAnswer;
            }
            list = json.createObjectNode().put("apiVersion", "v1").put("kind", "APIResourceList").put("groupVersion", "apps/v1");
        }
        com.fasterxml.jackson.databind.node.ArrayNode resources = list.withArray("/resources");
        if (apps && resources.findValuesAsText("name").stream().noneMatch("deployments"::equals)) {
            for (String[] r : new String[][]{{"deployments", "Deployment"}, {"statefulsets", "StatefulSet"}, {"replicasets", "ReplicaSet"}}) {
                resources.addObject().put("name", r[0]).put("kind", r[1]).put("namespaced", true);
            }
        }
        List<ObjectNode> subresources = new ArrayList<>();
        for (JsonNode r : resources) {
            String plural = r.path("name").asText();
            if (plural.contains("/")) {
                continue;
            }
            if (scaled.containsKey(group + "/" + plural)) {
                ObjectNode scale = json.createObjectNode().put("name", plural + "/scale").put("kind", "Scale")
                        .put("group", "autoscaling").put("version", "v1").put("namespaced", true);
                scale.putArray("verbs").add("get").add("patch").add("update");
                subresources.add(scale);
            }
            if (withStatus.contains(group + "/" + plural)) {
                ObjectNode status = json.createObjectNode().put("name", plural + "/status").put("kind", r.path("kind").asText())
                        .put("namespaced", true);
                status.putArray("verbs").add("get").add("patch").add("update");
                subresources.add(status);
            }
        }
        subresources.forEach(resources::add);
        return ok(list);
    }

    private MockResponse scale(Target t, String method, String contentType, String body, Map<String, String> query, String userAgent) {
        ScaleSubresource sub = scaled.get(t.key());
        if (sub == null) {
            return status(404, "NotFound", "the server could not find the requested resource", t);
        }
        synchronized (writes) {
            ObjectNode stored = load(t);
            if (stored == null) {
                return notFound(t);
            }
            ObjectNode current = sub.scaleOf(stored);
            if (method.equals("GET")) {
                return ok(current);
            }
            if (!method.equals("PUT") && !method.equals("PATCH")) {
                return status(405, "MethodNotAllowed", method + " is not supported on " + t.qualified() + "/scale", t);
            }
            Object desired = method.equals("PUT") ? readObjectOrError(body, t) : patch(current, body, contentType, query, t);
            if (desired instanceof MockResponse error) {
                return error;
            }
            ObjectNode scale = (ObjectNode) desired;
            JsonNode replicas = scale.path("spec").path("replicas");
            if (!replicas.isMissingNode() && !replicas.isNull() && (!replicas.isIntegralNumber() || !replicas.canConvertToInt())) {
                return status(400, "BadRequest", "spec.replicas: an int32 is expected, got " + replicas, t);
            }
            int n = replicas.isIntegralNumber() ? replicas.intValue() : 0;
            if (n < 0) {
                return status(422, "Invalid", "Scale.autoscaling \"" + t.name() + "\" is invalid: spec.replicas: Invalid value: "
                        + n + ": must be greater than or equal to 0", t);
            }
            if (stale(scale, stored)) {
                return conflict(t);
            }
            ObjectNode updated = stored.deepCopy();
            sub.setSpecReplicas(updated, n);
            MockResponse saved = save(t, updated, stored, false, manager(query, userAgent), operation(contentType), "scale");
            return saved.code() == 200 ? ok(sub.scaleOf(readObject(bodyOf(saved)))) : saved;
        }
    }

    private MockResponse writeStatus(Target t, String method, String contentType, String body, Map<String, String> query, String userAgent) {
        synchronized (writes) {
            ObjectNode stored = load(t);
            if (stored == null) {
                return notFound(t);
            }
            Object desired = desired(t, stored, method, contentType, body, query);
            if (desired instanceof MockResponse error) {
                return error;
            }
            ObjectNode object = (ObjectNode) desired;
            ObjectNode updated = stored.deepCopy();
            JsonNode status = object.get("status");
            if (status == null || status.isNull()) {
                updated.remove("status");
            } else {
                updated.set("status", status);
            }
            return save(t, updated, stored, true, manager(query, userAgent), operation(contentType), "status");
        }
    }

    private MockResponse writeObject(Target t, String method, String contentType, String body, Map<String, String> query,
                                     String userAgent, boolean keepStatus) {
        synchronized (writes) {
            ObjectNode stored = load(t);
            boolean apply = "Apply".equals(operation(contentType));
            if (stored == null) {
                if (!(apply && method.equals("PATCH"))) {
                    return notFound(t);
                }
                return applyCreates(t, body, query, keepStatus);
            }
            Object desired = desired(t, stored, method, contentType, body, query);
            if (desired instanceof MockResponse error) {
                return error;
            }
            ObjectNode object = (ObjectNode) desired;
            if (keepStatus) {
                JsonNode status = stored.get("status");
                if (status == null) {
                    object.remove("status");
                } else {
                    object.set("status", status);
                }
            }
            return save(t, object, stored, false, manager(query, userAgent), operation(contentType), null);
        }
    }

    /**
     * The object a PUT (its body) or a PATCH (the stored object patched) asks for, or the answer refusing it: a body or
     * patch that cannot be read, a stale resourceVersion.
     */
    private Object desired(Target t, ObjectNode stored, String method, String contentType, String body, Map<String, String> query) {
        Object desired = method.equals("PUT") ? readObjectOrError(body, t) : patch(stored.deepCopy(), body, contentType, query, t);
        return desired instanceof ObjectNode object && stale(object, stored) ? conflict(t) : desired;
    }

    /** Server-side apply of an object that does not exist creates it (the apply handler's create path). */
    private MockResponse applyCreates(Target t, String body, Map<String, String> query, boolean keepStatus) {
        MockResponse noManager = requireFieldManager(query, t);
        if (noManager != null) {
            return noManager;
        }
        ObjectNode object;
        try {
            object = (ObjectNode) yaml.readTree(body);
        } catch (JsonProcessingException | ClassCastException e) {
            return status(400, "BadRequest", "the apply body is not a YAML object: " + e.getMessage(), t);
        }
        if (keepStatus) {
            object.remove("status");
        }
        recordManager(object.withObject("/metadata"), query.get("fieldManager"), "Apply", object.path("apiVersion").asText(), null);
        MockResponse created = crud.dispatch(internal("POST", t.collectionPath(), object.toString(), null));
        return created.code() == 201 || created.code() == 200 ? created.setResponseCode(201) : created;
    }

    /**
     * Stores the new object through the CRUD dispatcher under the stored resourceVersion (it bumps the version and
     * sends the watch event). A status write to a custom resource whose CRD the CRUD dispatcher knows to have a status
     * subresource goes to its {@code /status}, where it keeps the status and the stored metadata.
     */
    private MockResponse save(Target t, ObjectNode updated, ObjectNode stored, boolean statusWrite, String manager,
                              String operation, String subresource) {
        ObjectNode meta = updated.withObject("/metadata");
        meta.put("resourceVersion", stored.path("metadata").path("resourceVersion").asText());
        recordManager(meta, manager, operation, updated.path("apiVersion").asText(stored.path("apiVersion").asText()), subresource);
        String path = t.objectPath();
        if (statusWrite && crud.isStatusSubresourceEnabledForResource(path)) {
            path += "/status";
        }
        return crud.dispatch(internal("PUT", path, updated.toString(), null));
    }

    /** One metadata.managedFields entry per manager, operation and subresource, as the field manager keeps them. */
    private void recordManager(ObjectNode meta, String manager, String operation, String apiVersion, String subresource) {
        com.fasterxml.jackson.databind.node.ArrayNode fields = meta.withArray("/managedFields");
        for (Iterator<JsonNode> it = fields.iterator(); it.hasNext(); ) {
            JsonNode e = it.next();
            if (e.path("manager").asText().equals(manager) && e.path("operation").asText().equals(operation)
                    && e.path("subresource").asText("").equals(subresource == null ? "" : subresource)) {
                it.remove();
            }
        }
        ObjectNode entry = fields.addObject().put("manager", manager).put("operation", operation).put("apiVersion", apiVersion)
                .put("time", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()).put("fieldsType", "FieldsV1");
        entry.putObject("fieldsV1");
        if (subresource != null) {
            entry.put("subresource", subresource);
        }
    }

    private static String manager(Map<String, String> query, String userAgent) {
        return new RecordedCall("PUT", "", query, null, userAgent, "", 0).fieldManager();
    }

    private static String operation(String contentType) {
        return contentType != null && contentType.startsWith("application/apply-patch") ? "Apply" : "Update";
    }

    private static boolean stale(JsonNode desired, JsonNode stored) {
        String rv = desired.path("metadata").path("resourceVersion").asText("");
        return !rv.isEmpty() && !rv.equals(stored.path("metadata").path("resourceVersion").asText());
    }

    /** The patched copy of {@code current}, or the error response a real API server gives. */
    private Object patch(ObjectNode current, String body, String contentType, Map<String, String> query, Target t) {
        String type = contentType == null ? "" : contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
        try {
            return switch (type) {
                case "application/json-patch+json" -> JsonPatch.apply(json.readTree(body), current);
                // strategic merge differs from a merge patch only in lists with patch keys; scale and status have none we use
                case "application/merge-patch+json", "application/strategic-merge-patch+json" -> merge(current, json.readTree(body));
                case "application/apply-patch+yaml" -> {
                    MockResponse noManager = requireFieldManager(query, t);
                    yield noManager != null ? noManager : merge(current, yaml.readTree(body));
                }
                default -> status(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: "
                        + "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml", t);
            };
        } catch (JsonProcessingException e) {
            return status(400, "BadRequest", "the patch is not valid JSON or YAML: " + e.getOriginalMessage(), t);
        } catch (RuntimeException e) {
            return status(422, "Invalid", "the JSON patch cannot be applied: " + e.getMessage(), t);
        }
    }

    /** Server-side apply names its manager: the 400 a real API server gives without one, else null. */
    private MockResponse requireFieldManager(Map<String, String> query, Target t) {
        String manager = query.get("fieldManager");
        return manager == null || manager.isEmpty()
                ? status(400, "BadRequest", "PATCH " + t.objectPath() + ": fieldManager is required for apply requests", t) : null;
    }

    /** RFC 7386 JSON merge patch. */
    static JsonNode merge(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch;
        }
        ObjectNode result = target instanceof ObjectNode o ? o : new ObjectMapper().createObjectNode();
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            if (e.getValue().isNull()) {
                result.remove(e.getKey());
            } else {
                result.set(e.getKey(), merge(result.get(e.getKey()), e.getValue()));
            }
        }
        return result;
    }

    /** A CRD that declares scale or status subresources makes its resources answer them. */
    private void learnSubresources(String body) {
        ObjectNode crd = readObject(body);
        if (crd == null) {
            return;
        }
        String group = crd.path("spec").path("group").asText();
        String plural = crd.path("spec").path("names").path("plural").asText();
        for (JsonNode version : crd.path("spec").path("versions")) {
            JsonNode sub = version.path("subresources");
            if (sub.has("status")) {
                withStatus.add(group + "/" + plural);
            }
            JsonNode scale = sub.path("scale");
            if (scale.isObject()) {
                scaled.put(group + "/" + plural, ScaleSubresource.forCustomResource(scale.path("specReplicasPath").asText(),
                        scale.path("statusReplicasPath").asText(),
                        scale.hasNonNull("labelSelectorPath") ? scale.path("labelSelectorPath").asText() : null));
            }
        }
    }

    private MockResponse fault(String method, String path) {
        synchronized (faults) {
            for (Iterator<Fault> it = faults.iterator(); it.hasNext(); ) {
                Fault f = it.next();
                if ((f.method.equals("*") || f.method.equals(method)) && f.path.matcher(path).find()) {
                    if (--f.remaining <= 0) {
                        it.remove();
                    }
                    MockResponse r = status(f.code, reason(f.code), "injected by the test for " + method + " " + path, null);
                    return f.delay == null ? r : r.setBodyDelay(f.delay);
                }
            }
        }
        return null;
    }

    private ObjectNode load(Target t) {
        MockResponse r = crud.dispatch(internal("GET", t.objectPath(), "", null));
        return r.code() == 200 ? readObject(bodyOf(r)) : null;
    }

    private static RecordedRequest internal(String method, String path, String body, Headers headers) {
        Headers h = headers != null ? headers : Headers.builder().add("Content-Type", "application/json").build();
        return new RecordedRequest("HTTP/1.1", HttpMethod.valueOf(method), path, h, new Buffer().writeUtf8(body));
    }

    private static String bodyOf(MockResponse r) {
        return r.getBody() == null ? "" : new String(r.getBody().getBytes(), StandardCharsets.UTF_8);
    }

    private ObjectNode readObject(String body) {
        try {
            return json.readTree(body) instanceof ObjectNode o ? o : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private Object readObjectOrError(String body, Target t) {
        ObjectNode o = readObject(body);
        return o != null ? o : status(400, "BadRequest", "the request body is not a JSON object", t);
    }

    private static MockResponse ok(JsonNode body) {
        return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json").setBody(body.toString());
    }

    private MockResponse notFound(Target t) {
        return status(404, "NotFound", t.qualified() + " \"" + t.name() + "\" not found", t);
    }

    private MockResponse conflict(Target t) {
        return status(409, "Conflict", "Operation cannot be fulfilled on " + t.qualified() + " \"" + t.name()
                + "\": the object has been modified; please apply your changes to the latest version and try again", t);
    }

    /** A metav1.Status failure body, as the API server sends with every error. */
    private MockResponse status(int code, String reason, String message, Target t) {
        ObjectNode s = json.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
        if (t != null) {
            s.putObject("details").put("name", t.name()).put("group", t.group()).put("kind", t.plural());
        }
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(s.toString());
    }

    private static String reason(int code) {
        return switch (code) {
            case 400 -> "BadRequest";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "NotFound";
            case 409 -> "Conflict";
            case 422 -> "Invalid";
            case 429 -> "TooManyRequests";
            case 503 -> "ServiceUnavailable";
            case 504 -> "Timeout";
            default -> "InternalError";
        };
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }
}
