package dev.ballast.autoscaler.leader;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ballast.autoscaler.kube.testing.RecordedCall;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The autoscaler's RBAC as gitops grants it ({@code gitops/base/autoscaler/rbac.yaml}): ClusterRole rules in every
 * namespace, Role rules in the autoscaler's own. Answers whether an API call, as the test API server recorded it,
 * would be allowed, by the API server's request-info rules (GET of a name = get, of a collection = list, watch=true
 * = watch, POST = create, PUT = update, PATCH = patch, DELETE = delete; discovery paths need no grant).
 */
final class GitopsRbac {

    static final Path RBAC = Path.of("../gitops/base/autoscaler/rbac.yaml");

    private record Rule(List<String> groups, List<String> resources, List<String> verbs, String namespace) {
    }

    private final List<Rule> rules = new ArrayList<>();

    GitopsRbac(String ownNamespace) {
        try (MappingIterator<JsonNode> docs = new ObjectMapper(new YAMLFactory()).readerFor(JsonNode.class).readValues(RBAC.toFile())) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                String kind = doc.path("kind").asText();
                if (!kind.equals("ClusterRole") && !kind.equals("Role")) {
                    continue;
                }
                for (JsonNode r : doc.path("rules")) {
                    rules.add(new Rule(texts(r.path("apiGroups")), texts(r.path("resources")), texts(r.path("verbs")),
                            kind.equals("Role") ? ownNamespace : null));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RBAC.toAbsolutePath(), e);
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Null when the call is allowed (or is discovery), else why not. */
    String refusal(RecordedCall call) {
        String[] p = call.path().split("\\?")[0].replaceFirst("^/", "").split("/");
        int at;
        String group;
        if (p[0].equals("api") && p.length > 2) {
            group = "";
            at = 2;
        } else if (p[0].equals("apis") && p.length > 3) {
            group = p[1];
            at = 3;
        } else {
            return null; // /api, /apis, /apis/<group>/<version>: discovery, open to every authenticated user
        }
        String namespace = null;
        if (p[at].equals("namespaces") && p.length > at + 2) {
            namespace = p[at + 1];
            at += 2;
        }
        String resource = p[at];
        boolean named = p.length > at + 1;
        if (p.length > at + 2) {
            resource += "/" + p[at + 2];
        }
        Map<String, String> q = call.query();
        String verb = switch (call.method()) {
            case "GET" -> "true".equals(q.get("watch")) ? "watch" : named ? "get" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> named ? "delete" : "deletecollection";
            default -> call.method().toLowerCase();
        };
        for (Rule r : rules) {
            if (r.groups().contains(group) && r.resources().contains(resource) && r.verbs().contains(verb)
                    && (r.namespace() == null || r.namespace().equals(namespace))) {
                return null;
            }
        }
        return call.method() + " " + call.path() + " needs " + verb + " on " + (group.isEmpty() ? "core" : group) + " "
                + resource + (namespace == null ? "" : " in " + namespace);
    }
}
