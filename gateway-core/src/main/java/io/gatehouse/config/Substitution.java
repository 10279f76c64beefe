package io.gatehouse.config;

import java.util.function.Function;

/**
 * Expands {@code ${NAME}} and {@code ${NAME:-default}} in one configuration value, shell style:
 * the default applies when the variable is unset or empty; {@code $${} stands for a literal
 * {@code ${}. Values are expanded after YAML parsing, so a variable can never add structure.
 *
 * <p>Thread-safe (stateless).
 */
final class Substitution {

    private Substitution() {
    }

    /**
     * Expands every reference in {@code value}.
     *
     * @param where the location of the value, for error messages
     * @throws GatewayConfigException when a variable without default is unset or a reference is
     *     malformed
     */
    static String expand(String value, Function<String, String> environment, String where) {
        if (value.indexOf('$') < 0) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length());
        int i = 0;
        while (i < value.length()) {
            char c = value.charAt(i);
            if (c == '$' && value.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (c == '$' && value.startsWith("${", i)) {
                int end = value.indexOf('}', i + 2);
                if (end < 0) {
                    throw new GatewayConfigException(where + ": unclosed '${' in '" + value + "'");
                }
                out.append(resolve(value.substring(i + 2, end), environment, where));
                i = end + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static String resolve(String reference, Function<String, String> environment,
            String where) {
        int separator = reference.indexOf(":-");
        String name = separator < 0 ? reference : reference.substring(0, separator);
        if (!isName(name)) {
            throw new GatewayConfigException(where + ": '${" + reference
                    + "}' is not a variable reference; names are letters, digits and '_'");
        }
        String value = environment.apply(name);
        if (value != null && !value.isEmpty()) {
            return value;
        }
        if (separator >= 0) {
            return reference.substring(separator + 2);
        }
        throw new GatewayConfigException(where + ": environment variable " + name
                + " is not set and has no default (write ${" + name + ":-default})");
    }

    private static boolean isName(String name) {
        if (name.isEmpty() || Character.isDigit(name.charAt(0))) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean letterOrDigit = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
                    || c >= '0' && c <= '9';
            if (!(c == '_' || letterOrDigit)) {
                return false;
            }
        }
        return true;
    }
}
