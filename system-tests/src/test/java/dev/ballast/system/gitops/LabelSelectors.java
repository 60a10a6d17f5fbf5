package dev.ballast.system.gitops;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** meta/v1 LabelSelector matching (matchLabels and matchExpressions), as the API server evaluates it. */
final class LabelSelectors {

    private LabelSelectors() {
    }

    /** An empty selector matches everything, as in PodDisruptionBudget and NetworkPolicy. */
    static boolean matches(JsonNode selector, Map<String, String> labels) {
        if (!labels.entrySet().containsAll(Manifest.stringMap(selector.path("matchLabels")).entrySet())) {
            return false;
        }
        for (JsonNode expression : selector.path("matchExpressions")) {
            String key = expression.path("key").asText();
            Set<String> values = new HashSet<>();
            expression.path("values").forEach(v -> values.add(v.asText()));
            boolean has = labels.containsKey(key);
            boolean ok = switch (expression.path("operator").asText()) {
                case "In" -> has && values.contains(labels.get(key));
                case "NotIn" -> !has || !values.contains(labels.get(key));
                case "Exists" -> has;
                case "DoesNotExist" -> !has;
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
