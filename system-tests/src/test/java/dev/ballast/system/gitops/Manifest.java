package dev.ballast.system.gitops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** One rendered Kubernetes object, kept as a JSON tree so that nothing is lost before the strict checks. */
record Manifest(String origin, JsonNode node) {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();

    /** Splits a YAML stream (kustomize output) into objects, skipping empty documents. */
    static List<Manifest> parseAll(String origin, String yamlStream) {
        List<Manifest> out = new ArrayList<>();
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(yamlStream)) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode() && doc.size() > 0) {
                    out.add(new Manifest(origin, doc));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse the YAML rendered from " + origin, e);
        }
        return out;
    }

    /** The objects kustomize renders from a directory under gitops/. */
    static List<Manifest> rendered(String directoryUnderGitops) {
        return parseAll(directoryUnderGitops, Kustomize.build(directoryUnderGitops));
    }

    String apiVersion() {
        return node.path("apiVersion").asText();
    }

    String group() {
        String apiVersion = apiVersion();
        return apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    }

    String kind() {
        return node.path("kind").asText();
    }

    String name() {
        return node.path("metadata").path("name").asText();
    }

    String namespace() {
        return node.path("metadata").path("namespace").asText("");
    }

    JsonNode spec() {
        return node.path("spec");
    }

    boolean is(String kind) {
        return kind().equals(kind);
    }

    Map<String, String> labels() {
        return stringMap(node.path("metadata").path("labels"));
    }

    /** "Kind namespace/name (from origin)" for failure messages. */
    String describe() {
        return kind() + " " + (namespace().isEmpty() ? "" : namespace() + "/") + name() + " (from " + origin + ")";
    }

    @Override
    public String toString() {
        return describe();
    }

    static Map<String, String> stringMap(JsonNode object) {
        Map<String, String> out = new TreeMap<>();
        object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }
}
