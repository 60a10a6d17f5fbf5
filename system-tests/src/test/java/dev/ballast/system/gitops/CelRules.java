package dev.ballast.system.gitops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Evaluates a CRD's {@code x-kubernetes-validations} rules on an object, as the API server does on create and update:
 * each rule runs with {@code self} bound to the value at the schema node that declares it, and a rule that is not
 * true rejects the object with its message. Our rules use only standard CEL (has(), comparisons), so Kubernetes'
 * extra CEL libraries are not needed here.
 */
final class CelRules {

    private static final Cel CEL = CelFactory.standardCelBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("self", SimpleType.DYN)
            .build();
    private static final Map<String, CelRuntime.Program> PROGRAMS = new ConcurrentHashMap<>();

    private CelRules() {
    }

    /** Every rule of the schema, as "path: rule", for compile checks. */
    static List<String> rules(JsonNode openApi) {
        List<String> out = new ArrayList<>();
        collect(openApi, "$", out);
        return out;
    }

    /** Compiles a rule; throws with the CEL error when it does not parse or type-check. */
    static CelRuntime.Program compile(String rule) {
        return PROGRAMS.computeIfAbsent(rule, r -> {
            try {
                return CEL.createProgram(CEL.compile(r).getAst());
            } catch (CelValidationException | CelEvaluationException e) {
                throw new IllegalArgumentException("CEL rule does not compile: " + r + "\n" + e.getMessage(), e);
            }
        });
    }

    /** The messages of every rule {@code value} breaks, prefixed with the JSON path where the rule applies. */
    static List<String> violations(JsonNode openApi, JsonNode value) {
        List<String> out = new ArrayList<>();
        check(openApi, value, "$", out);
        return out;
    }

    private static void check(JsonNode schema, JsonNode value, String path, List<String> out) {
        if (value == null || value.isMissingNode() || value.isNull()) {
            return;
        }
        for (JsonNode validation : schema.path("x-kubernetes-validations")) {
            String rule = validation.path("rule").asText();
            try {
                Object result = compile(rule).eval(Map.of("self", toCel(value)));
                if (!Boolean.TRUE.equals(result)) {
                    out.add(path + ": " + validation.path("message").asText("failed rule: " + rule));
                }
            } catch (CelEvaluationException e) {
                out.add(path + ": rule " + rule + " could not be evaluated: " + e.getMessage());
            }
        }
        if (value.isObject()) {
            schema.path("properties").fields().forEachRemaining(p ->
                    check(p.getValue(), value.get(p.getKey()), path + "." + p.getKey(), out));
            JsonNode additional = schema.path("additionalProperties");
            if (additional.isObject()) {
                value.fields().forEachRemaining(e -> check(additional, e.getValue(), path + "." + e.getKey(), out));
            }
        } else if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                check(schema.get("items"), value.get(i), path + "[" + i + "]", out);
            }
        }
    }

    private static void collect(JsonNode schema, String path, List<String> out) {
        schema.path("x-kubernetes-validations").forEach(v -> out.add(path + ": " + v.path("rule").asText()));
        schema.path("properties").fields().forEachRemaining(p -> collect(p.getValue(), path + "." + p.getKey(), out));
        if (schema.path("additionalProperties").isObject()) {
            collect(schema.get("additionalProperties"), path + ".*", out);
        }
        if (schema.has("items")) {
            collect(schema.get("items"), path + "[*]", out);
        }
    }

    /** JSON as CEL values: objects as maps, integers as int (Long), numbers as double. */
    private static Object toCel(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.fields().forEachRemaining(e -> {
                if (!e.getValue().isNull()) {
                    map.put(e.getKey(), toCel(e.getValue()));
                }
            });
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            node.forEach(item -> list.add(toCel(item)));
            return list;
        }
        if (node.isIntegralNumber()) {
            return node.longValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        return node.asText();
    }
}
