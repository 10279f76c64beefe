package io.gatehouse.auth;

import io.gatehouse.GatewayRequest;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Authenticators tried in order: the first that authenticates or rejects decides.
 *
 * <p>Immutable.
 */
final class AuthenticatorChain implements Authenticator {

    private final List<Authenticator> chain;

    AuthenticatorChain(List<Authenticator> chain) {
        this.chain = List.copyOf(chain);
    }

    @Override
    public AuthResult authenticate(GatewayRequest request) {
        for (Authenticator authenticator : chain) {
            AuthResult result = authenticator.authenticate(request);
            if (!(result instanceof AuthResult.NoCredentials)) {
                return result;
            }
        }
        return AuthResult.noCredentials();
    }

    @Override
    public List<Credential> credentials() {
        Set<Credential> all = new LinkedHashSet<>();
        for (Authenticator authenticator : chain) {
            all.addAll(authenticator.credentials());
        }
        return List.copyOf(all);
    }
}
