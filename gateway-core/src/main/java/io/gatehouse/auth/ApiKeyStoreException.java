package io.gatehouse.auth;

/**
 * A key store backend failed (I/O, a corrupt file, a lost connection). Not a rejection: the
 * gateway answers such failures as internal or unavailable errors.
 */
public class ApiKeyStoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ApiKeyStoreException(String message) {
        super(message);
    }

    public ApiKeyStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
