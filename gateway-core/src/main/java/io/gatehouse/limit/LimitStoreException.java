package io.gatehouse.limit;

/** A limit store could not decide: its backend is unreachable, slow or broken. */
public final class LimitStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LimitStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
