package io.gatehouse.validate.prompt;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.ErrorCode;
import io.gatehouse.GatewayRequest;
import io.gatehouse.JsonMappers;
import io.gatehouse.route.Route;
import io.gatehouse.validate.ValidationResult;
import io.gatehouse.validate.Validator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the prompt fields of a JSON body before they reach a model: length bounds in characters
 * (Unicode code points) and in estimated tokens, forbidden patterns, and a prompt-injection
 * score. A field is named by a JSON Pointer ({@code /prompt}, {@code /messages}); a string is
 * checked as it is, an array or object by all the strings inside it (a chat's messages), joined
 * by newlines.
 *
 * <p>Length violations are {@code 400 VALIDATION_ERROR} with field-level errors, since the
 * caller can fix them. Forbidden patterns and injection scores at or over the threshold are
 * {@code 400 PROMPT_REJECTED} with a generic detail (which rule fired is not told to a caller
 * probing the guard, only logged), or, with {@link Action#FLAG}, are admitted with the header
 * {@value #FLAG_HEADER} and a log line on {@code io.gatehouse.validate.prompt.PromptGuard}.
 * Prompt text is never logged.
 *
 * <p>Tokens are estimated as one per four characters, rounded up: close enough for English text
 * to bound cost, not a tokenizer.
 *
 * <p>Immutable.
 */
public final class PromptGuard implements Validator {

    /** What to do with a prompt that trips a forbidden pattern or the injection threshold. */
    public enum Action {
        /** Refuse it: {@code 400 PROMPT_REJECTED}. */
        REJECT,
        /** Admit it, with header {@value PromptGuard#FLAG_HEADER} and a log line. */
        FLAG
    }

    /** The header on an admitted request whose prompt was flagged. */
    public static final String FLAG_HEADER = "X-Prompt-Flagged";

    /** Default injection score at which a prompt is rejected or flagged. */
    public static final int DEFAULT_THRESHOLD = 5;

    private static final Logger LOG = LoggerFactory.getLogger(PromptGuard.class);
    private static final InjectionScorer SCORER = new InjectionScorer();
    private static final String REJECTED = "the prompt was rejected by the gateway's content "
            + "policy";

    private final ObjectMapper mapper;
    private final List<JsonPointer> fields;
    private final List<String> fieldNames;
    private final int minChars;
    private final int maxChars;
    private final int minTokens;
    private final int maxTokens;
    private final List<Pattern> forbidden;
    private final int threshold;
    private final Action action;
    private final int maxBodyBytes;

    private PromptGuard(Builder builder) {
        this.mapper = new ObjectMapper(JsonFactory.builder()
                .recyclerPool(JsonMappers.recyclerPool())
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(builder.maxDepth).build())
                .build());
        this.fieldNames = List.copyOf(builder.fields);
        this.fields = fieldNames.stream().map(JsonPointer::compile).toList();
        this.minChars = builder.minChars;
        this.maxChars = builder.maxChars;
        this.minTokens = builder.minTokens;
        this.maxTokens = builder.maxTokens;
        this.forbidden = List.copyOf(builder.forbidden);
        this.threshold = builder.threshold;
        this.action = builder.action;
        this.maxBodyBytes = Route.DEFAULT_MAX_BODY_BYTES;
    }

    /** Starts a guard over the field at {@code pointer}, e.g. {@code /prompt}. */
    public static Builder builder(String... pointers) {
        return new Builder(pointers);
    }

    /**
     * The injection score of {@code text}: the sum of the weights of the signals found (0 when
     * none). Exposed for tuning and measurement.
     */
    public static int injectionScore(CharSequence text) {
        return InjectionScorer.score(SCORER.signals(text));
    }

    @Override
    public ValidationResult validate(GatewayRequest request) throws IOException {
        byte[] body = request.body(maxBodyBytes);
        JsonNode root;
        try (JsonParser parser = mapper.createParser(body)) {
            root = mapper.readTree(parser);
        } catch (JsonProcessingException e) {
            return ValidationResult.invalid(ErrorCode.VALIDATION_ERROR,
                    "the request body is not well-formed JSON",
                    List.of(new ValidationResult.FieldError("", "is not well-formed JSON")));
        }
        if (root == null) {
            root = mapper.missingNode();
        }
        List<ValidationResult.FieldError> errors = null;
        int worstSignals = 0;
        String worstField = null;
        boolean forbiddenHit = false;
        for (int i = 0; i < fields.size(); i++) {
            JsonNode value = root.at(fields.get(i));
            String name = fieldNames.get(i);
            CharSequence text = text(value);
            String lengthError = lengthError(text);
            if (lengthError != null) {
                if (errors == null) {
                    errors = new ArrayList<>(2);
                }
                errors.add(new ValidationResult.FieldError(name, lengthError));
                continue;
            }
            if (text == null) {
                continue;
            }
            for (Pattern pattern : forbidden) {
                if (pattern.matcher(text).find()) {
                    forbiddenHit = true;
                    worstField = name;
                }
            }
            if (threshold > 0) {
                int signals = SCORER.signals(text);
                if (InjectionScorer.score(signals) > InjectionScorer.score(worstSignals)) {
                    worstSignals = signals;
                    worstField = forbiddenHit ? worstField : name;
                }
            }
        }
        if (errors != null) {
            return ValidationResult.invalid(ErrorCode.VALIDATION_ERROR,
                    "prompt fields out of bounds: " + describe(errors), errors);
        }
        int score = InjectionScorer.score(worstSignals);
        if (!forbiddenHit && (threshold <= 0 || score < threshold)) {
            return ValidationResult.valid();
        }
        String reasons = (forbiddenHit ? "forbidden_pattern" : "")
                + (forbiddenHit && worstSignals != 0 ? "," : "")
                + InjectionScorer.names(worstSignals);
        if (action == Action.FLAG) {
            LOG.warn("request {}: prompt {} flagged, score {} ({})", request.requestId(),
                    worstField, score, reasons);
            request.addResponseHeader(FLAG_HEADER, "score=" + score);
            return ValidationResult.valid();
        }
        LOG.info("request {}: prompt {} rejected, score {} ({})", request.requestId(),
                worstField, score, reasons);
        return ValidationResult.invalid(ErrorCode.PROMPT_REJECTED, REJECTED,
                List.of(new ValidationResult.FieldError(worstField, "was rejected")));
    }

    private String lengthError(CharSequence text) {
        int chars = text == null ? 0 : Character.codePointCount(text, 0, text.length());
        int tokens = (chars + 3) / 4;
        if (text == null && (minChars > 0 || minTokens > 0)) {
            return "is required";
        }
        if (chars < minChars) {
            return "must be at least " + minChars + " characters, was " + chars;
        }
        if (chars > maxChars) {
            return "must be at most " + maxChars + " characters, was " + chars;
        }
        if (tokens < minTokens) {
            return "must be at least " + minTokens + " tokens (estimated), was " + tokens;
        }
        if (tokens > maxTokens) {
            return "must be at most " + maxTokens + " tokens (estimated), was " + tokens;
        }
        return null;
    }

    /** The text of a prompt field, or {@code null} when absent or JSON null. */
    private static CharSequence text(JsonNode value) {
        if (value.isMissingNode() || value.isNull()) {
            return null;
        }
        if (value.isTextual()) {
            return value.textValue();
        }
        if (value.isValueNode()) {
            return value.asText();
        }
        StringBuilder joined = new StringBuilder();
        collect(value, joined);
        return joined;
    }

    private static void collect(JsonNode node, StringBuilder joined) {
        if (node.isTextual()) {
            if (joined.length() > 0) {
                joined.append('\n');
            }
            joined.append(node.textValue());
            return;
        }
        for (Iterator<JsonNode> children = node.elements(); children.hasNext(); ) {
            collect(children.next(), joined);
        }
    }

    private static String describe(List<ValidationResult.FieldError> errors) {
        StringBuilder detail = new StringBuilder();
        for (ValidationResult.FieldError error : errors) {
            detail.append(detail.length() == 0 ? "" : "; ").append(error.field()).append(' ')
                    .append(error.message());
        }
        return detail.toString();
    }

    /** Collects a guard's settings. Not thread-safe. */
    public static final class Builder {
        private final List<String> fields = new ArrayList<>();
        private int minChars;
        private int maxChars = Integer.MAX_VALUE;
        private int minTokens;
        private int maxTokens = Integer.MAX_VALUE;
        private final List<Pattern> forbidden = new ArrayList<>();
        private int threshold = DEFAULT_THRESHOLD;
        private Action action = Action.REJECT;
        private int maxDepth = 32;

        private Builder(String... pointers) {
            if (pointers.length == 0) {
                throw new IllegalArgumentException("name at least one prompt field");
            }
            for (String pointer : pointers) {
                Objects.requireNonNull(pointer, "pointer");
                try {
                    JsonPointer.compile(pointer);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("'" + pointer + "' is not a JSON Pointer"
                            + " (RFC 6901), e.g. /prompt", e);
                }
                if (pointer.isEmpty()) {
                    throw new IllegalArgumentException("the prompt field may not be the whole "
                            + "body (''); name a field, e.g. /prompt");
                }
                fields.add(pointer);
            }
        }

        /** Bounds each field's length in characters (code points), inclusive. */
        public Builder chars(int min, int max) {
            checkRange("chars", min, max);
            this.minChars = min;
            this.maxChars = max;
            return this;
        }

        /** Bounds each field's estimated token count (characters / 4), inclusive. */
        public Builder tokens(int min, int max) {
            checkRange("tokens", min, max);
            this.minTokens = min;
            this.maxTokens = max;
            return this;
        }

        /**
         * Refuses prompts in which {@code regex} is found (Java syntax; add {@code (?i)} to
         * ignore case).
         *
         * @throws IllegalArgumentException naming the pattern when it does not compile
         */
        public Builder forbid(String regex) {
            try {
                forbidden.add(Pattern.compile(regex));
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new IllegalArgumentException("forbidden pattern '" + regex
                        + "' is not a regular expression: " + e.getDescription(), e);
            }
            return this;
        }

        /**
         * The injection score at which the {@link #action} applies (default
         * {@value PromptGuard#DEFAULT_THRESHOLD}); 0 turns the heuristic off.
         */
        public Builder injectionThreshold(int threshold) {
            if (threshold < 0) {
                throw new IllegalArgumentException("injection threshold must not be negative, "
                        + "was " + threshold);
            }
            this.threshold = threshold;
            return this;
        }

        /** What happens to a prompt over the threshold or with a forbidden pattern. */
        public Builder action(Action action) {
            this.action = Objects.requireNonNull(action, "action");
            return this;
        }

        /** The deepest JSON nesting accepted while reading the body (default 32). */
        public Builder maxDepth(int maxDepth) {
            if (maxDepth < 1) {
                throw new IllegalArgumentException("maxDepth must be at least 1, was " + maxDepth);
            }
            this.maxDepth = maxDepth;
            return this;
        }

        private static void checkRange(String what, int min, int max) {
            if (min < 0 || max < min) {
                throw new IllegalArgumentException(what + " bounds must satisfy 0 <= min <= max,"
                        + " were " + min + " and " + max);
            }
        }

        public PromptGuard build() {
            return new PromptGuard(this);
        }
    }
}
