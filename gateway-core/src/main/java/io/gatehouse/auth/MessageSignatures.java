package io.gatehouse.auth;

import io.gatehouse.auth.StructuredFields.InnerList;
import io.gatehouse.auth.StructuredFields.Item;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Builds RFC 9421 signature bases: the exact bytes a signature covers, from the covered
 * component list and a {@link SignedMessage}. Shared by the verifier and {@link RequestSigner},
 * so both sides agree byte for byte.
 *
 * <p>Stateless; thread-safe.
 */
final class MessageSignatures {

    static final String SIGNATURE_PARAMS = "\"@signature-params\": ";

    private MessageSignatures() {
    }

    /**
     * The signature base of {@code message} for {@code covered} (the Signature-Input member,
     * with its parameters).
     *
     * @throws IllegalArgumentException naming the component when one is repeated, unknown,
     *     malformed or absent from the message
     */
    static byte[] signatureBase(SignedMessage message, InnerList covered) {
        StringBuilder base = new StringBuilder(256);
        Set<String> seen = new HashSet<>();
        for (Item component : covered.items()) {
            String identifier = StructuredFields.serialize(component);
            if (!seen.add(identifier)) {
                throw new IllegalArgumentException("component " + identifier + " is covered twice");
            }
            String value = componentValue(message, component);
            base.append(identifier).append(": ").append(value).append('\n');
        }
        base.append(SIGNATURE_PARAMS).append(StructuredFields.serialize(covered));
        return base.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The value of one component, per RFC 9421 section 2. */
    static String componentValue(SignedMessage message, Item component) {
        if (!(component.value() instanceof String name)) {
            throw new IllegalArgumentException("component identifiers must be strings, not "
                    + StructuredFields.serialize(component));
        }
        Map<String, Object> params = component.params();
        boolean queryParam = name.equals("@query-param");
        if (queryParam ? !params.keySet().equals(Set.of("name")) : !params.isEmpty()) {
            throw new IllegalArgumentException("component " + StructuredFields.serialize(component)
                    + " has unsupported parameters");
        }
        if (!name.equals(name.toLowerCase(Locale.ROOT)) || name.isEmpty()) {
            throw new IllegalArgumentException("component names must be lower case: " + name);
        }
        return switch (name) {
            case "@method" -> require(message.method(), name);
            case "@authority" -> authority(message);
            case "@scheme" -> message.scheme().toLowerCase(Locale.ROOT);
            case "@target-uri" -> message.scheme().toLowerCase(Locale.ROOT) + "://"
                    + authority(message) + path(message)
                    + (message.rawQuery().isEmpty() ? "" : "?" + message.rawQuery());
            case "@request-target" -> path(message)
                    + (message.rawQuery().isEmpty() ? "" : "?" + message.rawQuery());
            case "@path" -> path(message);
            case "@query" -> "?" + message.rawQuery();
            case "@query-param" -> queryParameter(message, params.get("name"));
            case "@status" -> {
                if (message.status() < 0) {
                    throw new IllegalArgumentException("@status applies to responses only");
                }
                yield String.format(Locale.ROOT, "%03d", message.status());
            }
            default -> {
                if (name.startsWith("@")) {
                    throw new IllegalArgumentException("unknown derived component " + name);
                }
                yield fieldValue(message, name);
            }
        };
    }

    private static String require(String value, String name) {
        if (value == null) {
            throw new IllegalArgumentException("component " + name + " is absent");
        }
        return value;
    }

    private static String path(SignedMessage message) {
        String path = message.rawPath();
        return path.isEmpty() ? "/" : path;
    }

    /** The authority in lower case, without the scheme's default port. */
    private static String authority(SignedMessage message) {
        String authority = require(message.authority(), "@authority").trim()
                .toLowerCase(Locale.ROOT);
        String scheme = message.scheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("https") && authority.endsWith(":443")) {
            return authority.substring(0, authority.length() - 4);
        }
        if (scheme.equals("http") && authority.endsWith(":80")) {
            return authority.substring(0, authority.length() - 3);
        }
        return authority;
    }

    /** Field lines trimmed, obs-folds turned into single spaces, joined with ", ". */
    private static String fieldValue(SignedMessage message, String name) {
        List<String> lines = message.fieldLines(name);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("component \"" + name + "\" is absent");
        }
        StringBuilder value = new StringBuilder();
        for (String line : lines) {
            if (value.length() > 0) {
                value.append(", ");
            }
            value.append(line.replaceAll("\\r?\\n[ \\t]+", " ").strip());
        }
        return value.toString();
    }

    private static String queryParameter(SignedMessage message, Object nameParam) {
        if (!(nameParam instanceof String wanted)) {
            throw new IllegalArgumentException("@query-param needs a string name parameter");
        }
        String found = null;
        for (String pair : message.rawQuery().split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decodeForm(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decodeForm(pair.substring(equals + 1));
            if (encode(name).equals(wanted)) {
                if (found != null) {
                    throw new IllegalArgumentException("query parameter " + wanted
                            + " occurs more than once");
                }
                found = encode(value);
            }
        }
        if (found == null) {
            throw new IllegalArgumentException("query parameter " + wanted + " is absent");
        }
        return found;
    }

    /** application/x-www-form-urlencoded decoding, as RFC 9421 section 2.2.8 asks. */
    private static String decodeForm(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '+') {
                bytes.write(' ');
            } else if (c == '%' && i + 2 < text.length() && isHex(text.charAt(i + 1))
                    && isHex(text.charAt(i + 2))) {
                bytes.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(encoded, 0, encoded.length);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Percent-encodes everything but unreserved characters. */
    private static String encode(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    private static boolean isHex(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }
}
