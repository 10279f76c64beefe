package io.gatehouse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Header fields the gateway wants on the response, admitted or rejected, in the order added.
 * Adapters copy them onto the container's response before the first byte is written.
 *
 * <p>Immutable.
 */
public final class ResponseHeaders {

    private static final ResponseHeaders EMPTY = new ResponseHeaders(new String[0]);

    /** Names and values, interleaved: name0, value0, name1, value1, ... */
    private final String[] fields;

    private ResponseHeaders(String[] fields) {
        this.fields = fields;
    }

    /** No headers. */
    public static ResponseHeaders empty() {
        return EMPTY;
    }

    /** Starts an empty builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The number of header fields. */
    public int size() {
        return fields.length / 2;
    }

    /** The first value for {@code name} (case-insensitive), or {@code null}. */
    public String get(String name) {
        for (int i = 0; i < fields.length; i += 2) {
            if (fields[i].equalsIgnoreCase(name)) {
                return fields[i + 1];
            }
        }
        return null;
    }

    /** Calls {@code action} with each name and value, in order. */
    public void forEach(BiConsumer<String, String> action) {
        for (int i = 0; i < fields.length; i += 2) {
            action.accept(fields[i], fields[i + 1]);
        }
    }

    /** These headers followed by {@code more}. */
    public ResponseHeaders with(ResponseHeaders more) {
        if (more.fields.length == 0) {
            return this;
        }
        if (fields.length == 0) {
            return more;
        }
        String[] joined = Arrays.copyOf(fields, fields.length + more.fields.length);
        System.arraycopy(more.fields, 0, joined, fields.length, more.fields.length);
        return new ResponseHeaders(joined);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        forEach((name, value) -> text.append(name).append(": ").append(value).append('\n'));
        return text.toString();
    }

    /** Collects header fields. Not thread-safe. */
    public static final class Builder {
        private final List<String> fields = new ArrayList<>();

        private Builder() {
        }

        /** Adds one field; names and values must be non-null and free of CR/LF. */
        public Builder add(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (name.indexOf('\r') >= 0 || name.indexOf('\n') >= 0
                    || value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("header field contains CR or LF: " + name);
            }
            fields.add(name);
            fields.add(value);
            return this;
        }

        /** Adds every field of {@code headers}. */
        public Builder addAll(ResponseHeaders headers) {
            fields.addAll(Arrays.asList(headers.fields));
            return this;
        }

        public ResponseHeaders build() {
            return fields.isEmpty() ? EMPTY : new ResponseHeaders(fields.toArray(new String[0]));
        }
    }
}
