package dev.ballast.system.observability;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One Grafana dashboard file (Classic JSON model): its panels (rows flattened, collapsed rows included), variables
 * and every PromQL query with where it comes from, so tests can parse and run them with variables substituted.
 */
record Dashboard(Path file, JsonNode json) {

    static List<Dashboard> all() {
        return ObservabilitySources.dashboardFiles().stream()
                .map(f -> new Dashboard(f, ObservabilitySources.readJson(f))).toList();
    }

    String name() {
        return file.getFileName().toString();
    }

    String uid() {
        return json.path("uid").asText();
    }

    /** Every panel that shows data (rows are containers, not panels). */
    List<JsonNode> panels() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode panel : json.path("panels")) {
            if (panel.path("type").asText().equals("row")) {
                panel.path("panels").forEach(out::add);
            } else {
                out.add(panel);
            }
        }
        return out;
    }

    List<JsonNode> variables() {
        List<JsonNode> out = new ArrayList<>();
        json.path("templating").path("list").forEach(out::add);
        return out;
    }

    /** Panel targets and annotation queries: everything Grafana sends to Prometheus as a query. */
    List<Query> queries() {
        List<Query> out = new ArrayList<>();
        for (JsonNode panel : panels()) {
            for (JsonNode target : panel.path("targets")) {
                out.add(new Query(name(), "panel \"" + panel.path("title").asText() + "\" " + target.path("refId").asText(),
                        target.path("expr").asText(), Kind.PANEL));
            }
        }
        for (JsonNode annotation : json.path("annotations").path("list")) {
            if (annotation.has("expr")) {
                out.add(new Query(name(), "annotation \"" + annotation.path("name").asText() + "\"",
                        annotation.path("expr").asText(), Kind.ANNOTATION));
            }
        }
        return out;
    }

    /** label_values(selector, label) of each query variable, as the PromQL Grafana runs for it. */
    List<Query> variableQueries() {
        List<Query> out = new ArrayList<>();
        for (JsonNode variable : variables()) {
            if (variable.path("type").asText().equals("query")) {
                String definition = variable.path("query").path("query").asText();
                var m = java.util.regex.Pattern.compile("label_values\\((.+),\\s*(\\w+)\\)").matcher(definition);
                if (!m.matches()) {
                    throw new AssertionError(name() + " variable " + variable.path("name").asText()
                            + " is not label_values(selector, label): " + definition);
                }
                out.add(new Query(name(), "variable $" + variable.path("name").asText(),
                        "count by (" + m.group(2) + ") (" + m.group(1) + ")", Kind.VARIABLE));
            }
        }
        return out;
    }

    enum Kind { PANEL, ANNOTATION, VARIABLE }

    /** One query of a dashboard; `where` names its panel and refId (or annotation, or variable). */
    record Query(String dashboard, String where, String expr, Kind kind) {

        /** The PromQL with Grafana's variables replaced: every template variable by its All value `.+`. */
        String substituted(String rateInterval) {
            String out = expr.replace("$__rate_interval", rateInterval);
            for (Map.Entry<String, String> v : Map.of("namespace", ".+", "route", ".+", "policy", ".+",
                    "model", ".+", "instance", ".+").entrySet()) {
                out = out.replace("${" + v.getKey() + "}", v.getValue()).replace("$" + v.getKey(), v.getValue());
            }
            return out;
        }

        @Override
        public String toString() {
            return dashboard + " " + where;
        }
    }
}
