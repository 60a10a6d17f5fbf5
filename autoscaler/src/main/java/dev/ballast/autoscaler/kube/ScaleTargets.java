package dev.ballast.autoscaler.kube;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ballast.autoscaler.policy.CrossVersionObjectReference;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the object a scaleTargetRef names lives. The HPA maps kind to resource through discovery (its RESTMapper);
 * so does this, with the workload kinds known up front and every other kind looked up once in
 * {@code /apis/<group>/<version>}, which must list a {@code <resource>/scale} subresource for it.
 */
@ApplicationScoped
public class ScaleTargets {

    private static final Map<String, String> WORKLOADS = Map.of(
            "apps/v1/Deployment", "deployments",
            "apps/v1/StatefulSet", "statefulsets",
            "apps/v1/ReplicaSet", "replicasets",
            "v1/ReplicationController", "replicationcontrollers");

    /**
     * Kinds whose group is implied when scaleTargetRef omits apiVersion (the file policies of the local suite do).
     * The HPA itself would fail to map them; here the only sensible reading is taken.
     */
    private static final Map<String, String> APPS_KINDS = Map.of("Deployment", "apps/v1", "StatefulSet", "apps/v1", "ReplicaSet", "apps/v1");

    private final ApiServer api;
    private final Map<String, String> discovered = new ConcurrentHashMap<>();

    public ScaleTargets(ApiServer api) {
        this.api = api;
    }

    /** A target that cannot be located: unknown kind, no scale subresource, or discovery failed. */
    public static class UnknownTarget extends Exception {
        UnknownTarget(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The object's path, e.g. {@code /apis/apps/v1/namespaces/shop/deployments/web}; add {@code /scale} for its Scale. */
    public String objectPath(String namespace, CrossVersionObjectReference ref) throws UnknownTarget {
        if (ref == null || ref.kind() == null || ref.name() == null) {
            throw new UnknownTarget("scaleTargetRef needs kind and name", null);
        }
        String groupVersion = ref.apiVersion() == null || ref.apiVersion().isBlank() ? APPS_KINDS.get(ref.kind()) : ref.apiVersion().trim();
        if (groupVersion == null) {
            throw new UnknownTarget("scaleTargetRef.apiVersion is required for kind " + ref.kind() + " (e.g. example.com/v1)", null);
        }
        String base = groupVersion.contains("/") ? "/apis/" + groupVersion : "/api/" + groupVersion;
        String resource = resource(groupVersion, ref.kind(), base);
        return base + "/namespaces/" + namespace + "/" + resource + "/" + ref.name();
    }

    private String resource(String groupVersion, String kind, String base) throws UnknownTarget {
        String key = groupVersion + "/" + kind;
        String known = WORKLOADS.getOrDefault(key, discovered.get(key));
        if (known != null) {
            return known;
        }
        ApiServer.Reply reply;
        try {
            reply = api.get(base);
        } catch (ApiServer.Unreachable e) {
            throw new UnknownTarget("discovery of " + groupVersion + " failed: " + e.getMessage(), e);
        }
        if (!reply.ok()) {
            throw new UnknownTarget("the API server does not serve " + groupVersion + " (discovery: " + reply.describe() + ")", null);
        }
        String plural = null;
        boolean scalable = false;
        for (JsonNode r : reply.json().path("resources")) {
            String name = r.path("name").asText();
            if (!name.contains("/") && kind.equals(r.path("kind").asText())) {
                plural = name;
            }
        }
        if (plural == null) {
            throw new UnknownTarget("no resource of kind " + kind + " in " + groupVersion, null);
        }
        for (JsonNode r : reply.json().path("resources")) {
            scalable |= (plural + "/scale").equals(r.path("name").asText());
        }
        if (!scalable) {
            throw new UnknownTarget(kind + " (" + plural + "." + groupVersion + ") has no scale subresource", null);
        }
        discovered.put(key, plural);
        return plural;
    }
}
