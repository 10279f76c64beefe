package io.gatehouse.auth;

import java.time.Instant;
import java.util.Objects;

/**
 * Something security-relevant happened: a failed or throttled authentication, or a change to a
 * credential. Carries identifiers only (request id, client address, key id or key hint), never
 * a secret.
 *
 * <p>Immutable.
 *
 * @param type          what happened
 * @param at            when
 * @param requestId     the request it happened in; empty outside a request
 * @param clientAddress the caller's address; empty when unknown
 * @param subject       the credential concerned: a key id, a key hint or a principal id
 * @param detail        a human-readable explanation, free of secrets
 */
public record SecurityEvent(Type type, Instant at, String requestId, String clientAddress,
        String subject, String detail) {

    /** The kinds of security event. */
    public enum Type {
        /** A presented credential was refused. */
        AUTH_FAILURE,
        /** A client was refused because of earlier failures, without checking its credential. */
        AUTH_THROTTLED,
        KEY_CREATED,
        KEY_IMPORTED,
        KEY_REVOKED,
        KEY_ROTATED,
        KEY_EXPIRED
    }

    public SecurityEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(clientAddress, "clientAddress");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(detail, "detail");
    }
}
