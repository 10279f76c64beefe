package io.gatehouse.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A schema check of Kubernetes manifests without a cluster: each manifest is read into the
 * Kubernetes API model of its {@code apiVersion} and {@code kind} (fabric8's generated
 * classes), so a value of the wrong type fails, and every field the model does not know (a
 * misspelled {@code livenesProbe}, a field at the wrong level) is reported by its path. It does
 * not check required fields or value ranges, as a server would.
 */
final class KubernetesSchemaCheck {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Map<String, Class<?>> MODELS = Map.of(
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class,
            "v1/Service", Service.class,
            "apps/v1/Deployment", Deployment.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
            "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class);

    private KubernetesSchemaCheck() {
    }

    /** Whether the check knows the model of this manifest's apiVersion and kind. */
    static boolean knows(JsonNode manifest) {
        return MODELS.containsKey(key(manifest));
    }

    /**
     * The problems of one manifest: fields unknown to its model, by path; empty if none.
     *
     * @throws IllegalArgumentException if a value has the wrong type, or the kind is unknown
     */
    static List<String> problems(JsonNode manifest) {
        Class<?> model = MODELS.get(key(manifest));
        if (model == null) {
            throw new IllegalArgumentException("no model for " + key(manifest));
        }
        Object typed = MAPPER.convertValue(manifest, model);
        List<String> problems = new ArrayList<>();
        walk(typed, key(manifest), problems, 0);
        return problems;
    }

    private static String key(JsonNode manifest) {
        return manifest.path("apiVersion").asText() + "/" + manifest.path("kind").asText();
    }

    private static void walk(Object value, String path, List<String> problems, int depth) {
        if (value == null || depth > 40) {
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                walk(item, path + "[" + i++ + "]", problems, depth + 1);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((key, item) -> walk(item, path + "." + key, problems, depth + 1));
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get")
                    || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object child = invoke(getter, value);
            if (getter.getName().equals("getAdditionalProperties")) {
                if (child instanceof Map<?, ?> unknown && !unknown.isEmpty()) {
                    problems.add(path + ": unknown field(s) " + unknown.keySet());
                }
                continue;
            }
            String name = getter.getName().substring(3);
            walk(child, path + "." + Character.toLowerCase(name.charAt(0)) + name.substring(1),
                    problems, depth + 1);
        }
    }

    private static Object invoke(Method getter, Object target) {
        try {
            return getter.invoke(target);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException(getter + " failed", e);
        }
    }
}
