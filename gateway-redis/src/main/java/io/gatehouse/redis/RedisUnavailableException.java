package io.gatehouse.redis;

/** Redis could not be reached or answered an error while reading or writing shared state. */
public final class RedisUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RedisUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
