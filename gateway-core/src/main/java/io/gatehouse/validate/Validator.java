package io.gatehouse.validate;

import io.gatehouse.GatewayRequest;
import java.io.IOException;

/**
 * Checks one aspect of a request before it reaches the application: content type, JSON shape,
 * schema, prompt rules. The body has already passed the route's size bound when validators run.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface Validator {

    /**
     * Validates {@code request}.
     *
     * @return {@link ValidationResult#valid()} or an {@link ValidationResult.Invalid} naming what
     *     is wrong, field by field where it can
     * @throws IOException when the body cannot be read
     */
    ValidationResult validate(GatewayRequest request) throws IOException;
}
