package dev.ballast.system.gitops;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Parses objects into fabric8's typed Kubernetes model and reports every field the model does not know.
 * fabric8 classes never reject an unknown field: they park it in an {@code additionalProperties} map (their
 * {@code @JsonAnySetter}). Walking the parsed object and failing on any non-empty map is what makes a typo such as
 * {@code readinessProbe.periodSecond} fail here instead of being dropped silently by the API server.
 */
final class StrictKubernetesModel {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private StrictKubernetesModel() {
    }

    /** The typed object, or empty when fabric8 has no class for this apiVersion and kind (a custom resource). */
    static Optional<KubernetesResource> typed(Manifest manifest) {
        KubernetesResource resource = SERIALIZATION.unmarshal(json(manifest));
        return resource instanceof GenericKubernetesResource ? Optional.empty() : Optional.of(resource);
    }

    /** Unknown fields of an object's metadata, which every kind shares (custom resources included). */
    static List<String> unknownMetadataFields(Manifest manifest) {
        ObjectMeta metadata = SERIALIZATION.convertValue(manifest.node().path("metadata"), ObjectMeta.class);
        return unknownFields(metadata, "$.metadata");
    }

    /** JSON paths of every field that landed in an additionalProperties map somewhere in {@code model}. */
    static List<String> unknownFields(Object model, String path) {
        List<String> out = new ArrayList<>();
        walk(model, path, out);
        return out;
    }

    private static void walk(Object value, String path, List<String> out) {
        if (value == null) {
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                walk(item, path + "[" + i++ + "]", out);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((key, item) -> walk(item, path + "." + key, out));
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        List<Method> getters = java.util.Arrays.stream(value.getClass().getMethods())
                .filter(StrictKubernetesModel::isPropertyGetter)
                .sorted(Comparator.comparing(Method::getName))
                .toList();
        for (Method getter : getters) {
            Object property = invoke(getter, value);
            if (getter.getName().equals("getAdditionalProperties")) {
                if (property instanceof Map<?, ?> extra) {
                    extra.keySet().forEach(key -> out.add(path + "." + key));
                }
            } else {
                walk(property, path + "." + propertyName(getter), out);
            }
        }
    }

    private static boolean isPropertyGetter(Method method) {
        if (method.getParameterCount() != 0 || Modifier.isStatic(method.getModifiers())
                || method.getDeclaringClass() == Object.class) {
            return false;
        }
        Class<?> type = method.getReturnType();
        if (type.isPrimitive() || type == String.class || type.isEnum() || Number.class.isAssignableFrom(type)
                || type == Boolean.class || type == Class.class) {
            return false;
        }
        return method.getName().startsWith("get") && method.getName().length() > 3;
    }

    private static String propertyName(Method getter) {
        String name = getter.getName().substring(3);
        return Character.toLowerCase(name.charAt(0)) + name.substring(1);
    }

    private static Object invoke(Method getter, Object target) {
        try {
            return getter.invoke(target);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + getter + " of " + target.getClass().getName(), e);
        }
    }

    private static String json(Manifest manifest) {
        try {
            return Manifest.JSON.writeValueAsString(manifest.node());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
