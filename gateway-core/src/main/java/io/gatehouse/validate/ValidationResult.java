package io.gatehouse.validate;

import io.gatehouse.ErrorCode;
import java.util.List;
import java.util.Objects;

/**
 * A validator's finding.
 *
 * <p>Immutable.
 */
public sealed interface ValidationResult {

    /** The request passed. */
    static ValidationResult valid() {
        return Valid.INSTANCE;
    }

    /** The request failed with {@code code} (400, 415 or 413), for the reasons listed. */
    static ValidationResult invalid(ErrorCode code, String detail, List<FieldError> errors) {
        return new Invalid(code, detail, errors);
    }

    /** The request passed. */
    enum Valid implements ValidationResult {
        INSTANCE
    }

    /**
     * The request failed.
     *
     * @param code   {@code VALIDATION_ERROR}, {@code UNSUPPORTED_MEDIA_TYPE} or
     *               {@code PAYLOAD_TOO_LARGE}
     * @param detail one sentence for people
     * @param errors field-level errors for programs; may be empty
     */
    record Invalid(ErrorCode code, String detail, List<FieldError> errors)
            implements ValidationResult {
        public Invalid {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(detail, "detail");
            errors = List.copyOf(errors);
        }
    }

    /**
     * One thing wrong with one field.
     *
     * @param field   a JSON Pointer (RFC 6901) to the field, e.g. {@code /prompt}; {@code ""} for
     *                the whole body
     * @param message what is wrong, e.g. {@code is required}
     */
    record FieldError(String field, String message) {
        public FieldError {
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(message, "message");
        }
    }
}
