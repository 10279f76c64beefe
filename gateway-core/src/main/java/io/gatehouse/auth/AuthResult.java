package io.gatehouse.auth;

import io.gatehouse.ErrorCode;
import java.util.Objects;

/**
 * What an {@link Authenticator} concluded about one request. A value, never an exception: a
 * refused credential is an ordinary outcome on the hot path.
 *
 * <p>Immutable.
 */
public sealed interface AuthResult {

    /**
     * The credential was verified; {@code principal} is who is calling.
     *
     * @param consumed the header fields the credential was read from, which the gateway hides
     *                 from the application and drops upstream unless told to pass them on
     */
    record Authenticated(Principal principal, ConsumedCredentials consumed)
            implements AuthResult {
        public Authenticated {
            Objects.requireNonNull(principal, "principal");
            Objects.requireNonNull(consumed, "consumed");
        }

        /** The caller, from a credential the gateway need not hide (a custom authenticator). */
        public Authenticated(Principal principal) {
            this(principal, ConsumedCredentials.none());
        }
    }

    /**
     * The request carries no credential this authenticator understands, so another authenticator
     * (or anonymous access on a public route) may still apply.
     */
    record NoCredentials() implements AuthResult {
    }

    /**
     * A credential was presented and refused. The detail is safe to show the caller: it names
     * the reason, never the secret, and never whether a presented key or key id exists.
     *
     * @param retryAfterSeconds when positive, the caller may retry after this many seconds (sent
     *                          as {@code Retry-After}, e.g. after too many failed attempts);
     *                          0 when retrying with the same credential is pointless
     * @param securityDetail    the specific reason, for the security event log only (e.g. which
     *                          key id was revoked); never sent to the caller
     */
    record Rejected(ErrorCode code, String detail, long retryAfterSeconds,
            String securityDetail) implements AuthResult {
        public Rejected {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(detail, "detail");
            Objects.requireNonNull(securityDetail, "securityDetail");
            if (retryAfterSeconds < 0) {
                throw new IllegalArgumentException(
                        "retryAfterSeconds must not be negative, was " + retryAfterSeconds);
            }
        }

        /** A rejection whose security-log detail is its public detail. */
        public Rejected(ErrorCode code, String detail, long retryAfterSeconds) {
            this(code, detail, retryAfterSeconds, detail);
        }

        /** A rejection without a retry hint. */
        public Rejected(ErrorCode code, String detail) {
            this(code, detail, 0);
        }

        /** A rejection telling the caller {@code detail} and the security log more. */
        public static Rejected withSecurityDetail(ErrorCode code, String detail,
                String securityDetail) {
            return new Rejected(code, detail, 0, securityDetail);
        }
    }

    /** The shared "no credentials" result. */
    static AuthResult noCredentials() {
        return Holder.NO_CREDENTIALS;
    }

    /** Shares the one instance of the stateless result. */
    final class Holder {
        private static final NoCredentials NO_CREDENTIALS = new NoCredentials();

        private Holder() {
        }
    }
}
