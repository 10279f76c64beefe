package io.gatehouse.task;

import io.gatehouse.ResponseHeaders;
import java.util.Objects;

/**
 * A response the gateway sends itself for a task: the {@code 202 Accepted} of a started task,
 * a status document, or a problem.
 *
 * <p>Immutable (the body array is not copied).
 */
public record TaskReply(int status, ResponseHeaders headers, String contentType, byte[] body) {

    public TaskReply {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(body, "body");
    }
}
