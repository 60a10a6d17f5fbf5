package dev.ballast.system.gitops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Validates custom resources against the openAPIV3Schema of their CustomResourceDefinition, made strict the way
 * kubeconform's -strict does it: every object schema that lists properties (and does not say
 * x-kubernetes-preserve-unknown-fields) gets additionalProperties: false, so an unknown field fails instead of
 * being pruned by the API server. Schemas come from our own CRDs (rendered from gitops/base) and from the
 * Argo CD, Flux and Prometheus Operator CRD schemas vendored under src/test/resources/crd-schemas (see its
 * README). An object that passes the structural schema is then checked against the CRD's CEL rules
 * (x-kubernetes-validations), as the API server does.
 */
final class CustomResourceSchemas {

    /** CustomResourceDefinitions generated from the upstream CRDs by crd-schemas/extract-from-npm.sh. */
    static final List<String> VENDORED = List.of(
            "crd-schemas/appprojects.argoproj.io.yaml",
            "crd-schemas/applicationsets.argoproj.io.yaml",
            "crd-schemas/gitrepositories.source.toolkit.fluxcd.io.yaml",
            "crd-schemas/kustomizations.kustomize.toolkit.fluxcd.io.yaml",
            "crd-schemas/servicemonitors.monitoring.coreos.com.yaml",
            "crd-schemas/prometheusrules.monitoring.coreos.com.yaml");

    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);

    /** A version's schema: strict JSON Schema for structure, the original OpenAPI for its CEL rules. */
    record VersionSchema(JsonSchema structure, JsonNode openApi) {
    }

    private final Map<String, VersionSchema> byApiVersionAndKind;

    private CustomResourceSchemas(Map<String, VersionSchema> byApiVersionAndKind) {
        this.byApiVersionAndKind = byApiVersionAndKind;
    }

    /** Our CRDs as Argo CD and Flux would apply them, plus the vendored third-party ones. */
    static CustomResourceSchemas load() {
        List<Manifest> definitions = new ArrayList<>(Manifest.rendered("base").stream()
                .filter(m -> m.is("CustomResourceDefinition")).toList());
        for (String resource : VENDORED) {
            definitions.addAll(Manifest.parseAll(resource, classpathText(resource)));
        }
        return from(definitions);
    }

    static CustomResourceSchemas from(List<Manifest> definitions) {
        Map<String, VersionSchema> schemas = new LinkedHashMap<>();
        for (Manifest crd : definitions) {
            String group = crd.spec().path("group").asText();
            String kind = crd.spec().path("names").path("kind").asText();
            for (JsonNode version : crd.spec().path("versions")) {
                JsonNode openApi = version.path("schema").path("openAPIV3Schema");
                if (openApi.isMissingNode()) {
                    throw new IllegalStateException(crd.describe() + " version " + version.path("name").asText()
                            + " has no openAPIV3Schema");
                }
                schemas.put(group + "/" + version.path("name").asText() + " " + kind,
                        new VersionSchema(FACTORY.getSchema(strict(openApi)), openApi));
            }
        }
        return new CustomResourceSchemas(schemas);
    }

    boolean knows(Manifest manifest) {
        return byApiVersionAndKind.containsKey(manifest.apiVersion() + " " + manifest.kind());
    }

    /** Schema violations of a custom resource, or empty when no schema is known for its apiVersion and kind. */
    Optional<List<String>> violations(Manifest manifest) {
        VersionSchema schema = byApiVersionAndKind.get(manifest.apiVersion() + " " + manifest.kind());
        if (schema == null) {
            return Optional.empty();
        }
        Set<ValidationMessage> messages = schema.structure().validate(manifest.node());
        if (!messages.isEmpty()) {
            return Optional.of(messages.stream().map(ValidationMessage::getMessage).sorted().toList());
        }
        return Optional.of(CelRules.violations(schema.openApi(), manifest.node()));
    }

    /** An OpenAPI v3 (structural CRD) schema turned into a strict JSON Schema draft 7. */
    static JsonNode strict(JsonNode openApi) {
        JsonNode copy = openApi.deepCopy();
        tighten(copy);
        return copy;
    }

    private static void tighten(JsonNode node) {
        if (node instanceof ArrayNode array) {
            array.forEach(CustomResourceSchemas::tighten);
            return;
        }
        if (!(node instanceof ObjectNode schema)) {
            return;
        }
        boolean preserveUnknown = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        if (schema.has("properties") && !schema.has("additionalProperties") && !preserveUnknown) {
            schema.put("additionalProperties", false);
        }
        // int32/int64/float/double are OpenAPI formats JSON Schema does not know; the integer type already holds.
        String format = schema.path("format").asText("");
        if (!format.isEmpty() && !format.equals("date-time")) {
            schema.remove("format");
        }
        for (Iterator<String> names = schema.fieldNames(); names.hasNext(); ) {
            if (names.next().startsWith("x-kubernetes-")) {
                names.remove();
            }
        }
        JsonNode properties = schema.get("properties");
        if (properties != null) {
            properties.forEach(CustomResourceSchemas::tighten);
        }
        for (String child : List.of("items", "additionalProperties", "anyOf", "allOf", "oneOf", "not")) {
            JsonNode value = schema.get(child);
            if (value != null) {
                tighten(value);
            }
        }
    }

    static String classpathText(String resource) {
        try (InputStream in = CustomResourceSchemas.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
