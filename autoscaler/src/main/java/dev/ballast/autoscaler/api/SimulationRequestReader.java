package dev.ballast.autoscaler.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.ballast.autoscaler.engine.DecisionInput;
import dev.ballast.autoscaler.engine.MetricReading;
import dev.ballast.autoscaler.engine.Observation;
import dev.ballast.autoscaler.engine.PodPhase;
import dev.ballast.autoscaler.engine.PodState;
import dev.ballast.autoscaler.engine.ScalingHistory;
import dev.ballast.autoscaler.engine.ScalingHistory.Recommendation;
import dev.ballast.autoscaler.engine.ScalingHistory.ScaleEvent;
import dev.ballast.autoscaler.policy.PolicyValidator;
import dev.ballast.autoscaler.policy.Quantity;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import dev.ballast.autoscaler.policy.Violation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads the what-if request {@code {"spec": ..., "observed": ...}} into an engine input, collecting every problem
 * with the JSON path of its field. Pods in the request carry no times, so they are placed long past start-up: a
 * {@code ready: false} pod has never been ready, a ready pod has been ready since it started.
 */
final class SimulationRequestReader {

    /** Simulated pods started this long ago: past any CPU initialization period. */
    static final long POD_AGE_SECONDS = 3600;

    private final ObjectMapper json;
    private final List<Violation> violations = new ArrayList<>();

    SimulationRequestReader(ObjectMapper json) {
        this.json = json;
    }

    DecisionInput read(String body, Instant now) {
        JsonNode root;
        try {
            root = body == null || body.isBlank() ? null : json.readTree(body);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("body", "is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidRequestException("body", "must be a JSON object {\"spec\": ..., \"observed\": ...}");
        }
        ScalingPolicySpec spec = readSpec(root.get("spec"));
        Observation observed = null;
        ScalingHistory history = ScalingHistory.EMPTY;
        JsonNode obs = root.get("observed");
        if (obs == null || obs.isNull()) {
            violations.add(new Violation("observed", "Required value: what was observed (specReplicas, pods, metrics)"));
        } else if (!obs.isObject()) {
            violations.add(new Violation("observed", "must be an object"));
        } else {
            observed = readObserved(obs, now);
            history = readHistory(obs.get("history"), now);
        }
        if (!violations.isEmpty()) {
            throw new InvalidRequestException(violations);
        }
        return new DecisionInput(spec.withDefaults(), observed, history, now, null, null);
    }

    private ScalingPolicySpec readSpec(JsonNode node) {
        if (node == null || node.isNull()) {
            violations.add(new Violation("spec", "Required value: a ScalingPolicy spec"));
            return null;
        }
        ScalingPolicySpec spec;
        try {
            spec = json.treeToValue(node, ScalingPolicySpec.class);
        } catch (JsonMappingException e) {
            violations.add(new Violation(path("spec", e), mappingProblem(e)));
            return null;
        } catch (JsonProcessingException e) {
            violations.add(new Violation("spec", e.getOriginalMessage()));
            return null;
        }
        violations.addAll(PolicyValidator.validate(spec, "spec"));
        return spec;
    }

    private static String path(String root, JsonMappingException e) {
        StringBuilder sb = new StringBuilder(root);
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                sb.append('.').append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String mappingProblem(JsonMappingException e) {
        if (e instanceof InvalidFormatException ife && ife.getTargetType() != null && ife.getTargetType().isEnum()) {
            return "Unsupported value: \"" + ife.getValue() + "\": supported values: " + wireNames(ife.getTargetType());
        }
        if (e instanceof ValueInstantiationException && e.getCause() instanceof IllegalArgumentException iae) {
            return iae.getMessage();
        }
        Throwable cause = e.getCause();
        if (cause instanceof IllegalArgumentException iae) {
            return iae.getMessage();
        }
        return "Invalid value: " + e.getOriginalMessage();
    }

    private static String wireNames(Class<?> enumType) {
        return Arrays.stream(enumType.getFields()).filter(java.lang.reflect.Field::isEnumConstant).map(f -> {
            com.fasterxml.jackson.annotation.JsonProperty p = f.getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
            return "\"" + (p == null ? f.getName() : p.value()) + "\"";
        }).collect(Collectors.joining(", "));
    }

    private Observation readObserved(JsonNode obs, Instant now) {
        Integer specReplicas = nonNegative(obs.get("specReplicas"), "observed.specReplicas", true);
        Integer statusReplicas = nonNegative(obs.get("statusReplicas"), "observed.statusReplicas", false);
        Integer recommended = nonNegative(obs.get("recommendedReplicas"), "observed.recommendedReplicas", false);
        List<PodState> pods = new ArrayList<>();
        JsonNode podsNode = obs.get("pods");
        if (podsNode != null && !podsNode.isNull()) {
            if (!podsNode.isArray()) {
                violations.add(new Violation("observed.pods", "must be an array of pods"));
            } else {
                for (int i = 0; i < podsNode.size(); i++) {
                    PodState pod = readPod(podsNode.get(i), "observed.pods[" + i + "]", now);
                    if (pod != null) {
                        pods.add(pod);
                    }
                }
            }
        }
        Map<String, MetricReading> values = readValues(obs.get("metrics"), "observed.metrics");
        Map<String, MetricReading> burst = readValues(obs.get("burstMetrics"), "observed.burstMetrics");
        Map<String, long[]> unlisted = readUnlisted(obs.get("unlistedPodSamples"), "observed.unlistedPodSamples");
        int spec = specReplicas == null ? 0 : specReplicas;
        return new Observation(spec, statusReplicas == null ? spec : statusReplicas, pods, values, Map.of(), recommended,
                burst, unlisted);
    }

    /** Resource/Pods metric name to the samples of pods missing from the pod list: {"cpu": ["300m"], "qps": [4]}. */
    private Map<String, long[]> readUnlisted(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            violations.add(new Violation(path, "must be a map of metric name to an array of quantities"));
            return Map.of();
        }
        Map<String, long[]> out = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isArray()) {
                violations.add(new Violation(path + "." + e.getKey(), "must be an array of quantities"));
                continue;
            }
            long[] samples = new long[e.getValue().size()];
            for (int i = 0; i < samples.length; i++) {
                Long milli = quantity(e.getValue().get(i), path + "." + e.getKey() + "[" + i + "]");
                samples[i] = milli == null ? 0 : milli;
            }
            out.put(e.getKey(), samples);
        }
        return out;
    }

    private PodState readPod(JsonNode node, String path, Instant now) {
        if (node == null || !node.isObject()) {
            violations.add(new Violation(path, "must be an object with name, phase, ready, requests, usage, metrics"));
            return null;
        }
        JsonNode name = node.get("name");
        if (name == null || !name.isTextual() || name.asText().isBlank()) {
            violations.add(new Violation(path + ".name", "Required value: the pod name"));
        }
        PodPhase phase = PodPhase.RUNNING;
        JsonNode phaseNode = node.get("phase");
        if (phaseNode != null && !phaseNode.isNull()) {
            try {
                phase = PodPhase.valueOf(phaseNode.asText().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                violations.add(new Violation(path + ".phase", "Unsupported value: \"" + phaseNode.asText()
                        + "\": supported values: \"Pending\", \"Running\", \"Succeeded\", \"Failed\""));
            }
        }
        boolean ready = bool(node.get("ready"), path + ".ready", true);
        boolean deleting = bool(node.get("deleting"), path + ".deleting", false);
        Map<String, Long> requests = quantities(node.get("requests"), path + ".requests");
        Map<String, Long> usage = quantities(node.get("usage"), path + ".usage");
        Map<String, Long> metrics = quantities(node.get("metrics"), path + ".metrics");
        // optional timing (beyond the fixed contract) to reach the HPA's CPU-initialization rules
        Integer startedAgo = nonNegative(node.get("startedSecondsAgo"), path + ".startedSecondsAgo", false);
        Integer transitionAgo = nonNegative(node.get("readyTransitionSecondsAgo"), path + ".readyTransitionSecondsAgo", false);
        Integer sampleAgo = nonNegative(node.get("sampleSecondsAgo"), path + ".sampleSecondsAgo", false);
        Integer window = nonNegative(node.get("sampleWindowSeconds"), path + ".sampleWindowSeconds", false);
        Instant started = now.minusSeconds(startedAgo == null ? POD_AGE_SECONDS : startedAgo);
        Instant transition = transitionAgo == null ? started : now.minusSeconds(transitionAgo);
        return new PodState(name == null ? "" : name.asText(), phase, ready, deleting, started, transition,
                now.minusSeconds(sampleAgo == null ? 0 : sampleAgo), window == null ? 30 : window,
                requests, usage, metrics, null);
    }

    private Map<String, Long> quantities(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            violations.add(new Violation(path, "must be a map of name to quantity"));
            return Map.of();
        }
        Map<String, Long> out = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Long milli = quantity(e.getValue(), path + "." + e.getKey());
            if (milli != null) {
                out.put(e.getKey(), milli);
            }
        }
        return out;
    }

    private Long quantity(JsonNode value, String path) {
        try {
            if (value.isNumber()) {
                return Quantity.fromJson(value.numberValue()).milli();
            }
            if (value.isTextual()) {
                return Quantity.parse(value.asText()).milli();
            }
            violations.add(new Violation(path, "must be a quantity string such as \"500m\" or \"2Gi\", or a number"));
        } catch (IllegalArgumentException e) {
            violations.add(new Violation(path, e.getMessage()));
        }
        return null;
    }

    private Map<String, MetricReading> readValues(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            violations.add(new Violation(path, "must be a map of metric name to a number or {\"error\": \"...\"}"));
            return Map.of();
        }
        Map<String, MetricReading> out = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (v.isObject() && v.has("error")) {
                out.put(e.getKey(), MetricReading.failed(v.get("error").asText()));
            } else {
                Long milli = v.isObject() ? null : quantity(v, path + "." + e.getKey());
                if (v.isObject()) {
                    violations.add(new Violation(path + "." + e.getKey(), "must be a number or {\"error\": \"...\"}"));
                } else if (milli != null) {
                    out.put(e.getKey(), MetricReading.of(milli));
                }
            }
        }
        return out;
    }

    private ScalingHistory readHistory(JsonNode node, Instant now) {
        if (node == null || node.isNull()) {
            return ScalingHistory.EMPTY;
        }
        if (!node.isObject()) {
            violations.add(new Violation("observed.history", "must be an object"));
            return ScalingHistory.EMPTY;
        }
        List<ScaleEvent> up = timed(node.get("scaleUpEvents"), "observed.history.scaleUpEvents", "replicaChange", now,
                ScaleEvent::new);
        List<ScaleEvent> down = timed(node.get("scaleDownEvents"), "observed.history.scaleDownEvents", "replicaChange", now,
                ScaleEvent::new);
        List<Recommendation> recs = timed(node.get("recommendations"), "observed.history.recommendations", "replicas", now,
                Recommendation::new);
        Integer failures = nonNegative(node.get("consecutiveFailures"), "observed.history.consecutiveFailures", false);
        Integer lastActive = nonNegative(node.get("lastActiveSecondsAgo"), "observed.history.lastActiveSecondsAgo", false);
        // Go's nil-versus-empty: a recommendations list, even [], means the HPA has seen this target before (no seed)
        JsonNode given = node.get("recommendations");
        Instant seen = given != null && !given.isNull() ? now.minusSeconds(86_400) : null;
        return new ScalingHistory(recs, up, down, lastActive == null ? null : now.minusSeconds(lastActive),
                failures == null ? 0 : failures, null, Map.of(), seen);
    }

    /** An array of {field: n >= 0, secondsAgo: s >= 0}, turned into timestamped entries. */
    private <T> List<T> timed(JsonNode node, String path, String field, Instant now,
                              java.util.function.BiFunction<Integer, Instant, T> make) {
        List<T> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            violations.add(new Violation(path, "must be an array of {" + field + ", secondsAgo}"));
            return out;
        }
        for (int i = 0; i < node.size(); i++) {
            String p = path + "[" + i + "]";
            Integer value = nonNegative(node.get(i).get(field), p + "." + field, true);
            Integer ago = nonNegative(node.get(i).get("secondsAgo"), p + ".secondsAgo", true);
            if (value != null && ago != null) {
                out.add(make.apply(value, now.minusSeconds(ago)));
            }
        }
        return out;
    }

    private Integer nonNegative(JsonNode node, String path, boolean required) {
        if (node == null || node.isNull()) {
            if (required) {
                violations.add(new Violation(path, "Required value"));
            }
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 0) {
            violations.add(new Violation(path, "Invalid value: " + node + ": must be an integer >= 0"));
            return null;
        }
        return node.intValue();
    }

    private boolean bool(JsonNode node, String path, boolean fallback) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isBoolean()) {
            violations.add(new Violation(path, "Invalid value: " + node + ": must be true or false"));
            return fallback;
        }
        return node.booleanValue();
    }
}
