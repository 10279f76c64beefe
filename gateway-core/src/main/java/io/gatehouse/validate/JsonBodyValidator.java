package io.gatehouse.validate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.ErrorCode;
import io.gatehouse.GatewayRequest;
import io.gatehouse.JsonMappers;
import io.gatehouse.route.Route;
import java.io.CharConversionException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Requires the body to be one well-formed JSON object, nested no deeper than a bound, with the
 * required fields present and of the required JSON types.
 *
 * <p>Every body is answered with a value, never an exception: besides malformed JSON, a body
 * beyond the parser's own limits ({@value #MAX_NUMBER_LENGTH} characters in one number,
 * {@value #MAX_NAME_LENGTH} in one member name, the nesting depth) is
 * {@link ErrorCode#VALIDATION_ERROR} (400).
 *
 * <p>Immutable.
 */
public final class JsonBodyValidator implements Validator {

    /** JSON types a required field may be declared to have. */
    public enum JsonType {
        STRING, NUMBER, BOOLEAN, OBJECT, ARRAY, ANY
    }

    /** The longest number, in characters, the parser reads. */
    public static final int MAX_NUMBER_LENGTH = 1_000;

    /** The longest member name, in characters, the parser reads. */
    public static final int MAX_NAME_LENGTH = 50_000;

    private final ObjectMapper mapper;
    private final Map<String, JsonType> requiredFields;
    private final int maxBodyBytes;

    private JsonBodyValidator(Builder builder) {
        JsonFactory factory = JsonFactory.builder()
                .recyclerPool(JsonMappers.recyclerPool())
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(builder.maxDepth)
                        .maxNumberLength(MAX_NUMBER_LENGTH)
                        .maxNameLength(MAX_NAME_LENGTH)
                        .build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        this.mapper = new ObjectMapper(factory);
        this.requiredFields = Map.copyOf(builder.requiredFields);
        this.maxBodyBytes = builder.maxBodyBytes;
    }

    /** Starts a validator; by default any JSON object nested at most 32 levels passes. */
    public static Builder builder() {
        return new Builder();
    }

    /** The fields a body must have, each with the JSON type it must be of. */
    public Map<String, JsonType> requiredFields() {
        return requiredFields;
    }

    @Override
    public ValidationResult validate(GatewayRequest request) throws IOException {
        byte[] body = request.body(maxBodyBytes);
        if (body.length == 0) {
            return invalid("the request body is empty; a JSON object is required", "",
                    "is required");
        }
        JsonNode root;
        try (JsonParser parser = mapper.createParser(body)) {
            root = mapper.readTree(parser);
            if (parser.nextToken() != null) {
                return invalid("the request body holds more than one JSON value", "",
                        "must be a single JSON object");
            }
        } catch (StreamConstraintsException e) {
            // Carries no location; its message names Jackson's settings, not the caller's data.
            return exceedsLimit(e.getOriginalMessage());
        } catch (CharConversionException e) {
            // Jackson guesses the encoding from the first four bytes; some guesses (UCS-4 in
            // an unusual byte order) it cannot read, and says so with an IOException.
            return invalid("the request body is not well-formed JSON", "",
                    "is not well-formed JSON");
        } catch (JsonProcessingException e) {
            JsonLocation location = e.getLocation();
            return invalid("the request body is not well-formed JSON" + (location == null ? ""
                    : " (line " + location.getLineNr() + ", column " + location.getColumnNr()
                            + ")"), "", "is not well-formed JSON");
        }
        if (root == null || !root.isObject()) {
            return invalid("the request body must be a JSON object", "", "must be a JSON object");
        }
        List<ValidationResult.FieldError> errors = new ArrayList<>();
        requiredFields.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(field -> {
            JsonNode value = root.get(field.getKey());
            String pointer = "/" + field.getKey().replace("~", "~0").replace("/", "~1");
            if (value == null || value.isNull()) {
                errors.add(new ValidationResult.FieldError(pointer, "is required"));
            } else if (!hasType(value, field.getValue())) {
                errors.add(new ValidationResult.FieldError(pointer,
                        "must be of type " + field.getValue().name()
                                .toLowerCase(Locale.ROOT)));
            }
        });
        if (errors.isEmpty()) {
            return ValidationResult.valid();
        }
        StringBuilder detail = new StringBuilder("invalid fields:");
        for (ValidationResult.FieldError error : errors) {
            detail.append(' ').append(error.field().substring(1)).append(' ')
                    .append(error.message())
                    .append(';');
        }
        detail.setLength(detail.length() - 1);
        return ValidationResult.invalid(ErrorCode.VALIDATION_ERROR, detail.toString(), errors);
    }

    private static ValidationResult exceedsLimit(String reason) {
        String text = reason == null ? "" : reason.toLowerCase(Locale.ROOT);
        if (text.contains("nesting depth")) {
            return invalid("the JSON body is nested too deeply", "", "is nested too deeply");
        }
        if (text.startsWith("number")) {
            return invalid("the JSON body holds a number longer than " + MAX_NUMBER_LENGTH
                    + " characters", "", "holds a number that is too long");
        }
        if (text.startsWith("name")) {
            return invalid("the JSON body holds a member name longer than " + MAX_NAME_LENGTH
                    + " characters", "", "holds a member name that is too long");
        }
        return invalid("the JSON body exceeds the parser's limits", "",
                "exceeds the parser's limits");
    }

    private static boolean hasType(JsonNode value, JsonType type) {
        return switch (type) {
            case STRING -> value.isTextual();
            case NUMBER -> value.isNumber();
            case BOOLEAN -> value.isBoolean();
            case OBJECT -> value.isObject();
            case ARRAY -> value.isArray();
            case ANY -> true;
        };
    }

    private static ValidationResult invalid(String detail, String field, String message) {
        return ValidationResult.invalid(ErrorCode.VALIDATION_ERROR, detail,
                List.of(new ValidationResult.FieldError(field, message)));
    }

    /** Collects the validator's settings. Not thread-safe. */
    public static final class Builder {
        private final Map<String, JsonType> requiredFields = new LinkedHashMap<>();
        private int maxDepth = 32;
        private int maxBodyBytes = Route.DEFAULT_MAX_BODY_BYTES;

        private Builder() {
        }

        /** Requires top-level field {@code name} to be present, non-null and of {@code type}. */
        public Builder require(String name, JsonType type) {
            requiredFields.put(Objects.requireNonNull(name, "name"),
                    Objects.requireNonNull(type, "type"));
            return this;
        }

        /** The deepest nesting of arrays and objects accepted. */
        public Builder maxDepth(int maxDepth) {
            if (maxDepth < 1) {
                throw new IllegalArgumentException("maxDepth must be at least 1, was " + maxDepth);
            }
            this.maxDepth = maxDepth;
            return this;
        }

        public JsonBodyValidator build() {
            return new JsonBodyValidator(this);
        }
    }
}
