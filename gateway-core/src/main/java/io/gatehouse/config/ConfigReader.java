package io.gatehouse.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Reads the values of a parsed configuration tree, expanding variables, and fails with a
 * {@link GatewayConfigException} that names the location ({@code tiers.free[0].period}) and the
 * offending value.
 *
 * <p>Not thread-safe; one per parse.
 */
final class ConfigReader {

    private final Function<String, String> environment;

    ConfigReader(Function<String, String> environment) {
        this.environment = environment;
    }

    /** The variable named {@code name}, or {@code null} when unset or empty. */
    String variable(String name) {
        String value = environment.apply(name);
        return value == null || value.isEmpty() ? null : value;
    }

    static void requireMapping(JsonNode node, String where, Set<String> allowed) {
        if (node == null || !node.isObject()) {
            throw new GatewayConfigException(where + ": a mapping is required");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new GatewayConfigException(where + "." + name + ": unknown key; "
                        + "known keys are " + new TreeSet<>(allowed));
            }
        }
    }

    /** The entries of a mapping, in file order. */
    static List<Map.Entry<String, JsonNode>> entries(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new GatewayConfigException(where + ": a mapping is required");
        }
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>(node.size());
        node.fields().forEachRemaining(entries::add);
        return entries;
    }

    /** The elements of a list. */
    static List<JsonNode> list(JsonNode node, String where) {
        if (node == null || !node.isArray()) {
            throw new GatewayConfigException(where + ": a list is required");
        }
        List<JsonNode> elements = new ArrayList<>(node.size());
        node.elements().forEachRemaining(elements::add);
        return elements;
    }

    String requiredText(JsonNode node, String key, String where) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            throw new GatewayConfigException(where + "." + key + ": is required");
        }
        String text = text(value, where + "." + key);
        if (text.isBlank()) {
            throw new GatewayConfigException(where + "." + key + ": must not be empty");
        }
        return text;
    }

    String text(JsonNode node, String where) {
        if (node == null || !node.isValueNode() || node.isNull()) {
            throw new GatewayConfigException(where + ": a single value is required");
        }
        return Substitution.expand(node.asText(), environment, where);
    }

    List<String> strings(JsonNode node, String where) {
        if (node.isValueNode() && !node.isNull()) {
            return List.of(text(node, where));
        }
        if (!node.isArray()) {
            throw new GatewayConfigException(where + ": a list of values is required");
        }
        List<String> values = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            values.add(text(node.get(i), where + "[" + i + "]"));
        }
        return values;
    }

    boolean bool(JsonNode node, String where) {
        String text = text(node, where).strip().toLowerCase(Locale.ROOT);
        return switch (text) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new GatewayConfigException(where + ": must be true or false, was '"
                    + text + "'");
        };
    }

    long integer(JsonNode node, String where, long min, long max) {
        String text = text(node, where).strip().replace("_", "");
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new GatewayConfigException(where + ": must be a whole number, was '" + text
                    + "'", e);
        }
        if (value < min || value > max) {
            throw new GatewayConfigException(where + ": must be between " + min + " and "
                    + max + ", was " + value);
        }
        return value;
    }

    Duration duration(JsonNode node, String where) {
        return Durations.parse(text(node, where), where);
    }

    /**
     * The constant of {@code type} named by the value, written in lower case with underscores
     * ({@code sliding_window} for {@code SLIDING_WINDOW}).
     */
    <E extends Enum<E>> E choice(JsonNode node, String where, Set<E> allowed) {
        String text = text(node, where).strip();
        for (E constant : allowed) {
            if (constant.name().toLowerCase(Locale.ROOT).equals(text)) {
                return constant;
            }
        }
        List<String> names = new ArrayList<>();
        for (E constant : allowed) {
            names.add(constant.name().toLowerCase(Locale.ROOT));
        }
        throw new GatewayConfigException(where + ": '" + text + "' is not one of "
                + String.join(", ", names));
    }

    /** The node as plain, unmodifiable Java values with every string expanded. */
    Object plain(JsonNode node, String where) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
                    fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                map.put(field.getKey(), plain(field.getValue(), where + "." + field.getKey()));
            }
            return Collections.unmodifiableMap(map);
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            for (int i = 0; i < node.size(); i++) {
                list.add(plain(node.get(i), where + "[" + i + "]"));
            }
            return Collections.unmodifiableList(list);
        }
        if (node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return Substitution.expand(node.textValue(), environment, where);
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? (Object) node.longValue() : node.bigIntegerValue();
        }
        if (node.isNumber()) {
            return node.decimalValue();
        }
        return node.asText();
    }
}
