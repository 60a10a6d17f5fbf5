package dev.ballast.autoscaler.kube.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Where a resource keeps what its {@code autoscaling/v1} Scale shows. Workloads follow kubernetes
 * registry/apps/*&#47;storage ScaleREST (selector from spec.selector, as labels.Selector.String()); custom resources
 * follow the CRD's subresources.scale paths (apiextensions-apiserver scaleFromCustomResource: a missing path reads 0).
 */
record ScaleSubresource(String specReplicasPath, String statusReplicasPath, String labelSelectorPath, boolean workload) {

    /** Deployments, StatefulSets, ReplicaSets. */
    static ScaleSubresource forWorkload() {
        return new ScaleSubresource(".spec.replicas", ".status.replicas", null, true);
    }

    static ScaleSubresource forCustomResource(String specReplicasPath, String statusReplicasPath, String labelSelectorPath) {
        return new ScaleSubresource(specReplicasPath, statusReplicasPath, labelSelectorPath, false);
    }

    /** The Scale the API server returns for this object. */
    ObjectNode scaleOf(ObjectNode object) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode scale = f.objectNode().put("apiVersion", "autoscaling/v1").put("kind", "Scale");
        JsonNode meta = object.path("metadata");
        ObjectNode m = scale.putObject("metadata");
        for (String field : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp")) {
            if (meta.hasNonNull(field)) {
                m.set(field, meta.get(field));
            }
        }
        JsonNode spec = at(object, specReplicasPath);
        // a workload's spec.replicas is defaulted to 1 at creation; a custom resource's missing path reads 0
        scale.putObject("spec").put("replicas", spec.isNumber() ? spec.intValue() : workload ? 1 : 0);
        JsonNode status = at(object, statusReplicasPath);
        ObjectNode st = scale.putObject("status").put("replicas", status.isNumber() ? status.intValue() : 0);
        String selector = workload ? selectorText(object.path("spec").path("selector"))
                : labelSelectorPath == null ? "" : at(object, labelSelectorPath).asText("");
        if (!selector.isEmpty()) {
            st.put("selector", selector);
        }
        return scale;
    }

    /** Sets the object's desired replicas, creating the path as a real API server does. */
    void setSpecReplicas(ObjectNode object, int replicas) {
        String[] parts = specReplicasPath.substring(1).split("\\.");
        ObjectNode node = object;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode next = node.get(parts[i]);
            node = next instanceof ObjectNode o ? o : node.putObject(parts[i]);
        }
        node.put(parts[parts.length - 1], replicas);
    }

    private static JsonNode at(JsonNode object, String dotPath) {
        JsonNode node = object;
        for (String part : dotPath.substring(1).split("\\.")) {
            node = node.path(part);
        }
        return node;
    }

    /**
     * metav1.LabelSelectorAsSelector(...).String(): matchLabels as {@code k=v}, expressions as {@code k in (a,b)},
     * {@code k notin (a,b)}, {@code k}, {@code !k}; requirements sorted by key, values sorted, joined by commas.
     */
    static String selectorText(JsonNode selector) {
        List<String[]> requirements = new ArrayList<>();
        for (Map.Entry<String, JsonNode> label : selector.path("matchLabels").properties()) {
            requirements.add(new String[]{label.getKey(), label.getKey() + "=" + label.getValue().asText()});
        }
        for (JsonNode e : selector.path("matchExpressions")) {
            String key = e.path("key").asText();
            TreeSet<String> values = new TreeSet<>();
            e.path("values").forEach(v -> values.add(v.asText()));
            String text = switch (e.path("operator").asText()) {
                case "In" -> key + " in (" + String.join(",", values) + ")";
                case "NotIn" -> key + " notin (" + String.join(",", values) + ")";
                case "Exists" -> key;
                case "DoesNotExist" -> "!" + key;
                default -> throw new IllegalArgumentException("unknown selector operator " + e.path("operator").asText());
            };
            requirements.add(new String[]{key, text});
        }
        requirements.sort((a, b) -> a[0].compareTo(b[0]));
        List<String> out = new ArrayList<>();
        requirements.forEach(r -> out.add(r[1]));
        return String.join(",", out);
    }
}
