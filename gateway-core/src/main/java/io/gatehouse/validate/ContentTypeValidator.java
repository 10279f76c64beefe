package io.gatehouse.validate;

import io.gatehouse.ErrorCode;
import io.gatehouse.GatewayRequest;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Refuses a request with a body whose media type is not one of the accepted ones (415).
 * Parameters such as {@code charset} are ignored; requests without a body pass.
 *
 * <p>Immutable.
 */
public final class ContentTypeValidator implements Validator {

    private final Set<String> accepted;

    private ContentTypeValidator(Set<String> accepted) {
        this.accepted = accepted;
    }

    /** Accepts only the given media types, e.g. {@code application/json}. */
    public static ContentTypeValidator accepting(String... mediaTypes) {
        if (mediaTypes.length == 0) {
            throw new IllegalArgumentException("at least one media type must be accepted");
        }
        return new ContentTypeValidator(Set.of(List.of(mediaTypes).stream()
                .map(type -> type.toLowerCase(Locale.ROOT)).toArray(String[]::new)));
    }

    /** The accepted media types, lower case, sorted. */
    public List<String> acceptedTypes() {
        return List.copyOf(new TreeSet<>(accepted));
    }

    @Override
    public ValidationResult validate(GatewayRequest request) {
        long length = request.exchange().contentLength();
        String contentType = request.header("Content-Type");
        if (length == 0 || length < 0 && contentType == null
                && request.header("Transfer-Encoding") == null) {
            return ValidationResult.valid();
        }
        String mediaType = contentType == null ? "" : mediaType(contentType);
        if (accepted.contains(mediaType)) {
            return ValidationResult.valid();
        }
        return ValidationResult.invalid(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                "Content-Type must be one of " + new TreeSet<>(accepted)
                        + (contentType == null ? "; none was given" : "; got '" + mediaType + "'"),
                List.of());
    }

    private static String mediaType(String contentType) {
        int semicolon = contentType.indexOf(';');
        String type = semicolon < 0 ? contentType : contentType.substring(0, semicolon);
        return type.trim().toLowerCase(Locale.ROOT);
    }
}
