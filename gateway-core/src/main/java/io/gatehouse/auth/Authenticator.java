package io.gatehouse.auth;

import io.gatehouse.GatewayRequest;
import java.util.List;

/**
 * Establishes who sent a request from the credential it carries (API key, JWT, signature).
 *
 * <p>Implementations must be thread-safe and must not block for long: a slow key store belongs
 * behind a cache.
 */
@FunctionalInterface
public interface Authenticator {

    /**
     * Examines the request's credentials.
     *
     * @return {@link AuthResult.Authenticated} with the caller, {@link AuthResult.NoCredentials}
     *     when this authenticator finds nothing it understands, or {@link AuthResult.Rejected}
     *     when a credential is present but not acceptable
     */
    AuthResult authenticate(GatewayRequest request);

    /**
     * The kinds of credential this authenticator reads, in the order it tries them; only
     * documentation (the OpenAPI document) uses it. The default, for an authenticator written
     * by hand, is empty: nothing is documented about it.
     */
    default List<Credential> credentials() {
        return List.of();
    }

    /** An authenticator that never finds credentials; with it only public routes are reachable. */
    static Authenticator none() {
        return request -> AuthResult.noCredentials();
    }

    /**
     * Tries {@code authenticators} in order: the first that authenticates or rejects decides; if
     * none finds credentials, the result is {@link AuthResult.NoCredentials}.
     */
    static Authenticator firstOf(List<Authenticator> authenticators) {
        return new AuthenticatorChain(authenticators);
    }
}
