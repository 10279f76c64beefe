package io.gatehouse.auth;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A strict parser and serializer for the parts of RFC 8941 Structured Field Values that HTTP
 * message signatures and digests use: dictionaries, inner lists, items and parameters, with
 * integers, decimals, strings, tokens, byte sequences and booleans. Anything the RFC says to
 * fail on throws {@link IllegalArgumentException}; nothing is repaired or guessed.
 *
 * <p>Stateless; thread-safe.
 */
final class StructuredFields {

    /** A token bare item (unquoted), e.g. {@code sha-256}. */
    record Token(String value) {
        Token {
            Objects.requireNonNull(value, "value");
        }
    }

    /** A byte sequence bare item, compared by content. */
    record Bytes(byte[] value) {
        Bytes {
            value = value.clone();
        }

        @Override
        public byte[] value() {
            return value.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Bytes bytes && Arrays.equals(value, bytes.value);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return ":" + Base64.getEncoder().encodeToString(value) + ":";
        }
    }

    /** A dictionary or list member: an item or an inner list. */
    sealed interface Member permits Item, InnerList {
        Map<String, Object> params();
    }

    /**
     * An item: a bare item (Long, BigDecimal, String, Token, Bytes or Boolean) with parameters.
     */
    record Item(Object value, Map<String, Object> params) implements Member {
        Item {
            checkBareItem(value);
            params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        }
    }

    /** An inner list of items, with parameters of its own. */
    record InnerList(List<Item> items, Map<String, Object> params) implements Member {
        InnerList {
            items = List.copyOf(items);
            params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        }
    }

    private static final long MAX_INTEGER = 999_999_999_999_999L;

    private final String input;
    private int position;

    private StructuredFields(String input) {
        this.input = input;
    }

    /** Parses a Dictionary field value; member order is kept. */
    static Map<String, Member> parseDictionary(String fieldValue) {
        StructuredFields parser = new StructuredFields(fieldValue);
        parser.skipSpaces();
        Map<String, Member> dictionary = new LinkedHashMap<>();
        while (!parser.atEnd()) {
            String key = parser.parseKey();
            Member member;
            if (parser.peek() == '=') {
                parser.position++;
                member = parser.parseItemOrInnerList();
            } else {
                member = new Item(Boolean.TRUE, parser.parseParameters());
            }
            dictionary.put(key, member);
            parser.skipOptionalWhitespace();
            if (parser.atEnd()) {
                break;
            }
            parser.expect(',');
            parser.skipOptionalWhitespace();
            if (parser.atEnd()) {
                throw parser.fail("trailing comma");
            }
        }
        return Collections.unmodifiableMap(dictionary);
    }

    /** Parses an Item field value. */
    static Item parseItem(String fieldValue) {
        StructuredFields parser = new StructuredFields(fieldValue);
        parser.skipSpaces();
        Item item = parser.parseItemWithParams();
        parser.skipSpaces();
        if (!parser.atEnd()) {
            throw parser.fail("unexpected text after the item");
        }
        return item;
    }

    /** Serializes a dictionary. */
    static String serializeDictionary(Map<String, Member> dictionary) {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, Member> entry : dictionary.entrySet()) {
            if (out.length() > 0) {
                out.append(", ");
            }
            out.append(checkKey(entry.getKey()));
            Member member = entry.getValue();
            if (member instanceof Item item && Boolean.TRUE.equals(item.value())) {
                serializeParams(item.params(), out);
            } else {
                out.append('=');
                serializeMember(member, out);
            }
        }
        return out.toString();
    }

    /** Serializes an inner list with its parameters. */
    static String serialize(InnerList list) {
        StringBuilder out = new StringBuilder();
        serializeMember(list, out);
        return out.toString();
    }

    /** Serializes an item with its parameters. */
    static String serialize(Item item) {
        StringBuilder out = new StringBuilder();
        serializeMember(item, out);
        return out.toString();
    }

    private static void serializeMember(Member member, StringBuilder out) {
        if (member instanceof InnerList list) {
            out.append('(');
            for (int i = 0; i < list.items().size(); i++) {
                if (i > 0) {
                    out.append(' ');
                }
                serializeMember(list.items().get(i), out);
            }
            out.append(')');
        } else {
            serializeBareItem(((Item) member).value(), out);
        }
        serializeParams(member.params(), out);
    }

    private static void serializeParams(Map<String, Object> params, StringBuilder out) {
        for (Map.Entry<String, Object> param : params.entrySet()) {
            out.append(';').append(checkKey(param.getKey()));
            if (!Boolean.TRUE.equals(param.getValue())) {
                out.append('=');
                serializeBareItem(param.getValue(), out);
            }
        }
    }

    private static void serializeBareItem(Object value, StringBuilder out) {
        checkBareItem(value);
        if (value instanceof Long number) {
            out.append(number.longValue());
        } else if (value instanceof BigDecimal decimal) {
            BigDecimal rounded = decimal.setScale(3, RoundingMode.HALF_EVEN).stripTrailingZeros();
            String text = rounded.scale() <= 0 ? rounded.setScale(1).toPlainString()
                    : rounded.toPlainString();
            out.append(text);
        } else if (value instanceof String text) {
            out.append('"');
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '"' || c == '\\') {
                    out.append('\\');
                }
                out.append(c);
            }
            out.append('"');
        } else if (value instanceof Token token) {
            out.append(token.value());
        } else if (value instanceof Bytes bytes) {
            out.append(bytes);
        } else {
            out.append((Boolean) value ? "?1" : "?0");
        }
    }

    private static void checkBareItem(Object value) {
        if (value instanceof Long number) {
            if (Math.abs(number) > MAX_INTEGER) {
                throw new IllegalArgumentException("integer out of range: " + number);
            }
        } else if (value instanceof BigDecimal decimal) {
            if (decimal.setScale(3, RoundingMode.HALF_EVEN).abs()
                    .compareTo(new BigDecimal("999999999999.999")) > 0) {
                throw new IllegalArgumentException("decimal out of range: " + decimal);
            }
        } else if (value instanceof String text) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c < 0x20 || c > 0x7e) {
                    throw new IllegalArgumentException("string holds a character outside "
                            + "printable ASCII");
                }
            }
        } else if (value instanceof Token token) {
            String text = token.value();
            if (text.isEmpty() || !(isAlpha(text.charAt(0)) || text.charAt(0) == '*')) {
                throw new IllegalArgumentException("not a token: " + text);
            }
            for (int i = 1; i < text.length(); i++) {
                if (!isTokenChar(text.charAt(i))) {
                    throw new IllegalArgumentException("not a token: " + text);
                }
            }
        } else if (!(value instanceof Bytes) && !(value instanceof Boolean)) {
            throw new IllegalArgumentException("not a bare item: " + value);
        }
    }

    private static String checkKey(String key) {
        if (key.isEmpty() || !(isLowerAlpha(key.charAt(0)) || key.charAt(0) == '*')) {
            throw new IllegalArgumentException("not a key: " + key);
        }
        for (int i = 1; i < key.length(); i++) {
            if (!isKeyChar(key.charAt(i))) {
                throw new IllegalArgumentException("not a key: " + key);
            }
        }
        return key;
    }

    private Member parseItemOrInnerList() {
        return peek() == '(' ? parseInnerList() : parseItemWithParams();
    }

    private InnerList parseInnerList() {
        expect('(');
        List<Item> items = new ArrayList<>();
        while (!atEnd()) {
            skipSpaces();
            if (peek() == ')') {
                position++;
                return new InnerList(items, parseParameters());
            }
            items.add(parseItemWithParams());
            char next = peek();
            if (next != ' ' && next != ')') {
                throw fail("expected a space or ')' in an inner list");
            }
        }
        throw fail("unterminated inner list");
    }

    private Item parseItemWithParams() {
        Object value = parseBareItem();
        return new Item(value, parseParameters());
    }

    private Map<String, Object> parseParameters() {
        Map<String, Object> params = new LinkedHashMap<>();
        while (peek() == ';') {
            position++;
            skipSpaces();
            String key = parseKey();
            Object value = Boolean.TRUE;
            if (peek() == '=') {
                position++;
                value = parseBareItem();
            }
            params.put(key, value);
        }
        return params;
    }

    private String parseKey() {
        char first = peek();
        if (!isLowerAlpha(first) && first != '*') {
            throw fail("expected a key");
        }
        int start = position;
        while (!atEnd() && isKeyChar(input.charAt(position))) {
            position++;
        }
        return input.substring(start, position);
    }

    private Object parseBareItem() {
        char c = peek();
        if (c == '-' || isDigit(c)) {
            return parseNumber();
        }
        if (c == '"') {
            return parseString();
        }
        if (isAlpha(c) || c == '*') {
            return parseToken();
        }
        if (c == ':') {
            return parseBytes();
        }
        if (c == '?') {
            return parseBoolean();
        }
        throw fail("expected a bare item");
    }

    private Object parseNumber() {
        int start = position;
        boolean negative = peek() == '-';
        if (negative) {
            position++;
        }
        if (!isDigit(peek())) {
            throw fail("expected a digit");
        }
        int dot = -1;
        while (!atEnd()) {
            char c = input.charAt(position);
            if (isDigit(c)) {
                position++;
            } else if (c == '.' && dot < 0) {
                if (position - start - (negative ? 1 : 0) > 12) {
                    throw fail("decimal has more than 12 integer digits");
                }
                dot = position;
                position++;
            } else {
                break;
            }
            int digits = position - start - (negative ? 1 : 0);
            if (dot < 0 && digits > 15 || dot >= 0 && digits > 16) {
                throw fail("number too long");
            }
        }
        String text = input.substring(start, position);
        if (dot < 0) {
            return Long.parseLong(text);
        }
        int fraction = position - dot - 1;
        if (fraction < 1 || fraction > 3) {
            throw fail("decimal needs 1 to 3 fraction digits");
        }
        // Normalized so that 1.50 and 1.5, which serialize alike, are also equal values.
        return new BigDecimal(text).stripTrailingZeros();
    }

    private String parseString() {
        expect('"');
        StringBuilder out = new StringBuilder();
        while (!atEnd()) {
            char c = input.charAt(position++);
            if (c == '\\') {
                if (atEnd()) {
                    throw fail("string ends in a backslash");
                }
                char escaped = input.charAt(position++);
                if (escaped != '"' && escaped != '\\') {
                    throw fail("invalid escape in a string");
                }
                out.append(escaped);
            } else if (c == '"') {
                return out.toString();
            } else if (c < 0x20 || c > 0x7e) {
                throw fail("string holds a character outside printable ASCII");
            } else {
                out.append(c);
            }
        }
        throw fail("unterminated string");
    }

    private Token parseToken() {
        int start = position++;
        while (!atEnd() && isTokenChar(input.charAt(position))) {
            position++;
        }
        return new Token(input.substring(start, position));
    }

    private Bytes parseBytes() {
        expect(':');
        int start = position;
        while (!atEnd() && input.charAt(position) != ':') {
            char c = input.charAt(position);
            if (!(isAlpha(c) || isDigit(c) || c == '+' || c == '/' || c == '=')) {
                throw fail("invalid character in a byte sequence");
            }
            position++;
        }
        if (atEnd()) {
            throw fail("unterminated byte sequence");
        }
        String base64 = input.substring(start, position++);
        try {
            return new Bytes(Base64.getDecoder().decode(base64));
        } catch (IllegalArgumentException e) {
            throw fail("byte sequence is not valid base64");
        }
    }

    private Boolean parseBoolean() {
        expect('?');
        char c = peek();
        if (c == '1' || c == '0') {
            position++;
            return c == '1';
        }
        throw fail("expected ?0 or ?1");
    }

    private void expect(char expected) {
        if (peek() != expected) {
            throw fail("expected '" + expected + "'");
        }
        position++;
    }

    /** The next character, or NUL at the end (NUL never occurs in a valid field). */
    private char peek() {
        return atEnd() ? '\0' : input.charAt(position);
    }

    private boolean atEnd() {
        return position >= input.length();
    }

    private void skipSpaces() {
        while (!atEnd() && input.charAt(position) == ' ') {
            position++;
        }
    }

    private void skipOptionalWhitespace() {
        while (!atEnd() && (input.charAt(position) == ' ' || input.charAt(position) == '\t')) {
            position++;
        }
    }

    private IllegalArgumentException fail(String problem) {
        return new IllegalArgumentException("structured field: " + problem + " at position "
                + position);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isLowerAlpha(char c) {
        return c >= 'a' && c <= 'z';
    }

    private static boolean isAlpha(char c) {
        return isLowerAlpha(c) || c >= 'A' && c <= 'Z';
    }

    private static boolean isKeyChar(char c) {
        return isLowerAlpha(c) || isDigit(c) || c == '_' || c == '-' || c == '.' || c == '*';
    }

    /** RFC 9110 tchar plus ':' and '/', as RFC 8941 tokens allow. */
    private static boolean isTokenChar(char c) {
        return isAlpha(c) || isDigit(c) || "!#$%&'*+-.^_`|~:/".indexOf(c) >= 0;
    }
}
