package dev.ballast.autoscaler.policy;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ScalingPolicy CRD in gitops (written by hand) and the Java model cannot drift: walking both from spec down,
 * every record has exactly the CRD's properties, lists are arrays, maps are additionalProperties, enums list the same
 * values and scalars have the matching OpenAPI type.
 */
class ScalingPolicyCrdTest {

    static final Path CRD = Path.of("../gitops/base/crds/scalingpolicies.ballast.dev.yaml");

    @Test
    @DisplayName("spec in gitops/base/crds matches ScalingPolicySpec field for field, at every depth")
    void crdMatchesModel() throws Exception {
        assertThat(CRD).as("the CRD file (run from the autoscaler module)").isRegularFile();
        JsonNode crd = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(CRD));
        JsonNode version = crd.path("spec").path("versions").get(0);
        assertThat(version.path("name").asText()).isEqualTo(ScalingPolicy.API_VERSION.substring(ScalingPolicy.API_VERSION.indexOf('/') + 1));
        assertThat(crd.path("spec").path("group").asText() + "/" + version.path("name").asText()).isEqualTo(ScalingPolicy.API_VERSION);
        assertThat(crd.path("spec").path("names").path("kind").asText()).isEqualTo(ScalingPolicy.KIND);
        assertThat(version.path("subresources").has("status")).as("status is a subresource").isTrue();

        List<String> drift = new ArrayList<>();
        compare(version.path("schema").path("openAPIV3Schema").path("properties").path("spec"), ScalingPolicySpec.class, "spec", drift);

        assertThat(drift).as("differences between the CRD and the Java model").isEmpty();
    }

    private static void compare(JsonNode schema, Type type, String path, List<String> drift) {
        Class<?> raw = raw(type);
        String openApiType = schema.path("type").asText("");
        if (raw.isRecord() && raw != Quantity.class) {
            expect(openApiType, "object", path, drift);
            TreeSet<String> javaNames = new TreeSet<>();
            for (RecordComponent c : raw.getRecordComponents()) {
                javaNames.add(jsonName(c));
            }
            TreeSet<String> crdNames = new TreeSet<>();
            schema.path("properties").fieldNames().forEachRemaining(crdNames::add);
            if (!javaNames.equals(crdNames)) {
                TreeSet<String> onlyJava = new TreeSet<>(javaNames);
                onlyJava.removeAll(crdNames);
                TreeSet<String> onlyCrd = new TreeSet<>(crdNames);
                onlyCrd.removeAll(javaNames);
                drift.add(path + ": only in Java " + onlyJava + ", only in the CRD " + onlyCrd);
            }
            for (RecordComponent c : raw.getRecordComponents()) {
                JsonNode property = schema.path("properties").path(jsonName(c));
                if (!property.isMissingNode()) {
                    compare(property, c.getGenericType(), path + "." + jsonName(c), drift);
                }
            }
        } else if (List.class.isAssignableFrom(raw)) {
            expect(openApiType, "array", path, drift);
            compare(schema.path("items"), ((ParameterizedType) type).getActualTypeArguments()[0], path + "[]", drift);
        } else if (Map.class.isAssignableFrom(raw)) {
            expect(openApiType, "object", path, drift);
            compare(schema.path("additionalProperties"), ((ParameterizedType) type).getActualTypeArguments()[1], path + "{}", drift);
        } else if (raw.isEnum()) {
            expect(openApiType, "string", path, drift);
            TreeSet<String> javaValues = new TreeSet<>();
            for (Object constant : raw.getEnumConstants()) {
                javaValues.add(enumName((Enum<?>) constant));
            }
            TreeSet<String> crdValues = new TreeSet<>();
            for (Iterator<JsonNode> it = schema.path("enum").elements(); it.hasNext(); ) {
                crdValues.add(it.next().asText());
            }
            if (!javaValues.equals(crdValues)) {
                drift.add(path + ": enum " + javaValues + " in Java, " + crdValues + " in the CRD");
            }
        } else if (raw == Quantity.class) {
            if (!schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
                drift.add(path + ": a quantity must be x-kubernetes-int-or-string");
            }
        } else if (raw == Integer.class || raw == int.class || raw == Long.class || raw == long.class) {
            expect(openApiType, "integer", path, drift);
        } else if (raw == Double.class || raw == double.class) {
            expect(openApiType, "number", path, drift);
        } else if (raw == Boolean.class || raw == boolean.class) {
            expect(openApiType, "boolean", path, drift);
        } else if (raw == String.class || raw == Instant.class) {
            expect(openApiType, "string", path, drift);
        } else {
            drift.add(path + ": no rule for Java type " + type.getTypeName());
        }
    }

    private static void expect(String actual, String expected, String path, List<String> drift) {
        if (!expected.equals(actual)) {
            drift.add(path + ": type " + expected + " in Java, " + (actual.isEmpty() ? "none" : actual) + " in the CRD");
        }
    }

    private static Class<?> raw(Type type) {
        return type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
    }

    private static String jsonName(RecordComponent c) {
        JsonProperty p = c.getAnnotation(JsonProperty.class);
        if (p == null) {
            try {
                p = c.getDeclaringRecord().getDeclaredField(c.getName()).getAnnotation(JsonProperty.class);
            } catch (NoSuchFieldException e) {
                p = null;
            }
        }
        return p != null && !p.value().isEmpty() ? p.value() : c.getName();
    }

    private static String enumName(Enum<?> constant) {
        try {
            JsonProperty p = constant.getDeclaringClass().getField(constant.name()).getAnnotation(JsonProperty.class);
            return p != null ? p.value() : constant.name();
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException(e);
        }
    }
}
