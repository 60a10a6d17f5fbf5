package dev.ballast.autoscaler.runtime;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.ballast.autoscaler.policy.InvalidPolicyException;
import dev.ballast.autoscaler.policy.PolicyValidator;
import dev.ballast.autoscaler.policy.ScalingPolicy;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import dev.ballast.autoscaler.registry.PolicyKey;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads ScalingPolicy resources from a YAML file (documents separated by {@code ---}, as {@code kubectl apply -f}
 * takes them) for running without Kubernetes. Each policy is validated as the API server would (PolicyValidator);
 * the first bad one stops the load with every violation and its field path.
 */
public final class PoliciesFile {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .registerModule(new JavaTimeModule())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private PoliciesFile() {
    }

    /** {@code location} is a file path, or {@code classpath:} followed by a resource path. */
    public static Map<PolicyKey, ScalingPolicy> load(String location, String defaultNamespace) {
        try (InputStream in = open(location)) {
            return parse(in, location, defaultNamespace);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read policies file " + location + ": " + e.getMessage(), e);
        }
    }

    static Map<PolicyKey, ScalingPolicy> parse(InputStream in, String location, String defaultNamespace) throws IOException {
        Map<PolicyKey, ScalingPolicy> out = new LinkedHashMap<>();
        int index = 0;
        try (MappingIterator<ScalingPolicy> docs = YAML.readerFor(ScalingPolicy.class).readValues(in)) {
            while (docs.hasNextValue()) {
                ScalingPolicy p = docs.nextValue();
                String where = location + " document " + index++;
                if (p == null) {
                    continue;
                }
                if (!ScalingPolicy.API_VERSION.equals(p.apiVersion()) || !ScalingPolicy.KIND.equals(p.kind())) {
                    throw new IllegalArgumentException(where + ": expected apiVersion " + ScalingPolicy.API_VERSION
                            + " and kind " + ScalingPolicy.KIND + ", got " + p.apiVersion() + " " + p.kind());
                }
                if (p.metadata() == null || p.metadata().name() == null || p.metadata().name().isBlank()) {
                    throw new IllegalArgumentException(where + ": metadata.name: Required value");
                }
                String ns = p.metadata().namespace() == null ? defaultNamespace : p.metadata().namespace();
                PolicyKey key = new PolicyKey(ns, p.metadata().name());
                try {
                    PolicyValidator.validateAndDefault(p.spec(), "spec");
                } catch (InvalidPolicyException e) {
                    throw new IllegalArgumentException(where + " (" + key + "): " + e.getMessage(), e);
                }
                if (out.putIfAbsent(key, p) != null) {
                    throw new IllegalArgumentException(where + ": ScalingPolicy " + key + " is defined twice");
                }
            }
        }
        return out;
    }

    /**
     * The spec of a ScalingPolicy read from the API server (its {@code spec} as a JSON tree), mapped with the same
     * rules as the file so the two paths cannot read one policy differently.
     *
     * @throws IllegalArgumentException when the tree does not fit the schema (a wrong type, an unknown enum value)
     */
    public static ScalingPolicySpec spec(Object tree) {
        return tree == null ? null : YAML.convertValue(tree, ScalingPolicySpec.class);
    }

    private static InputStream open(String location) throws IOException {
        if (location.startsWith("classpath:")) {
            String resource = location.substring("classpath:".length()).replaceFirst("^/", "");
            InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource);
            if (in == null) {
                throw new IOException("no resource " + resource + " on the class path");
            }
            return in;
        }
        return Files.newInputStream(Path.of(location));
    }
}
