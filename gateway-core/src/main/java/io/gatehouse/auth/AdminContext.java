package io.gatehouse.auth;

import java.util.Objects;

/**
 * Who asked for a key change, for the security log: the admin request's id, the caller's
 * address and the acting principal. Never a secret.
 *
 * <p>Immutable.
 *
 * @param requestId     the admin request's id; empty outside a request (command line)
 * @param clientAddress the admin caller's address; empty outside a request
 * @param actor         the principal id of the administrator, or e.g. {@code cli}
 */
public record AdminContext(String requestId, String clientAddress, String actor) {

    private static final AdminContext SYSTEM = new AdminContext("", "", "system");

    public AdminContext {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(clientAddress, "clientAddress");
        Objects.requireNonNull(actor, "actor");
    }

    /** Changes made by the embedding program itself (start-up, command line). */
    public static AdminContext system() {
        return SYSTEM;
    }
}
