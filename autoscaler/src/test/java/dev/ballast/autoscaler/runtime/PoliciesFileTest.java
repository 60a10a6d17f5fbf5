package dev.ballast.autoscaler.runtime;

import dev.ballast.autoscaler.policy.ScalingPolicy;
import dev.ballast.autoscaler.registry.PolicyKey;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The policies file: ScalingPolicy documents as kubectl takes them, validated like the API server would. */
class PoliciesFileTest {

    private static Map<PolicyKey, ScalingPolicy> parse(String yaml) throws Exception {
        return PoliciesFile.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml", "default");
    }

    private static final String GOOD = """
            apiVersion: ballast.dev/v1alpha1
            kind: ScalingPolicy
            metadata: {name: %s%s}
            spec:
              scaleTargetRef: {kind: Deployment, name: web}
              maxReplicas: 5
            """;

    @Test
    @DisplayName("several documents, the namespace defaulted where metadata names none")
    void severalDocuments() throws Exception {
        Map<PolicyKey, ScalingPolicy> policies = parse(GOOD.formatted("a", "") + "---\n" + GOOD.formatted("b", ", namespace: ml"));

        assertThat(policies).containsOnlyKeys(new PolicyKey("default", "a"), new PolicyKey("ml", "b"));
    }

    @Test
    @DisplayName("a bad policy stops the load with its document, name and the violation's field path")
    void badPolicy() {
        String bad = GOOD.formatted("a", "").replace("maxReplicas: 5", "maxReplicas: 0");

        assertThatThrownBy(() -> parse(bad)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("test.yaml document 0 (default/a)")
                .hasMessageContaining("spec.maxReplicas");
    }

    @Test
    @DisplayName("another kind is refused")
    void otherKind() {
        assertThatThrownBy(() -> parse(GOOD.formatted("a", "").replace("kind: ScalingPolicy", "kind: HorizontalPodAutoscaler")))
                .hasMessageContaining("expected apiVersion ballast.dev/v1alpha1 and kind ScalingPolicy");
    }

    @Test
    @DisplayName("the same policy twice is refused")
    void duplicate() {
        assertThatThrownBy(() -> parse(GOOD.formatted("a", "") + "---\n" + GOOD.formatted("a", "")))
                .hasMessageContaining("default/a is defined twice");
    }
}
