package io.gatehouse.auth;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The request header fields an authenticator read a credential from, and so the fields that
 * must not travel further: the gateway has checked them, and an application or upstream that
 * saw them could log, reuse or replay them. The servlet filter hides them from the local
 * application and the forwarder drops them upstream, unless the operator asks for credentials
 * to be passed on ({@code forward_client_credentials}).
 *
 * <p>Each authenticator names what it read: {@code X-API-Key} or {@code Authorization} for an
 * API key, {@code Authorization} for a JWT, {@code Signature} and {@code Signature-Input} for an
 * HTTP Message Signature. {@code Content-Digest} describes the body, not the caller, and is
 * kept.
 *
 * <p>Immutable.
 */
public final class ConsumedCredentials {

    private static final ConsumedCredentials NONE = new ConsumedCredentials(Set.of());

    /** Every field a built-in authenticator reads a credential from, lower case. */
    private static final Set<String> CREDENTIAL_FIELDS =
            Set.of("authorization", "x-api-key", "signature", "signature-input");

    private final Set<String> headerNames;

    private ConsumedCredentials(Set<String> lowerCaseNames) {
        this.headerNames = lowerCaseNames;
    }

    /** Nothing was consumed: what an authenticator that read no header reports. */
    public static ConsumedCredentials none() {
        return NONE;
    }

    /** The header fields {@code names} (any case) were consumed. */
    public static ConsumedCredentials headers(String... names) {
        if (names.length == 0) {
            return NONE;
        }
        Set<String> lower = new TreeSet<>();
        for (String name : names) {
            lower.add(name.toLowerCase(Locale.ROOT));
        }
        return new ConsumedCredentials(Set.copyOf(lower));
    }

    /**
     * Whether {@code name} (any case) is a field a built-in authenticator takes credentials
     * from, whether or not this request's authentication read it. An upstream never receives
     * such a field unless its service forwards client credentials.
     */
    public static boolean isCredentialField(String name) {
        return CREDENTIAL_FIELDS.contains(name.toLowerCase(Locale.ROOT));
    }

    /** The consumed field names, lower case. */
    public Set<String> headerNames() {
        return headerNames;
    }

    /** Whether nothing was consumed. */
    public boolean isEmpty() {
        return headerNames.isEmpty();
    }

    /** Whether header field {@code name} (any case) was consumed and so must be hidden. */
    public boolean hides(String name) {
        return !headerNames.isEmpty() && headerNames.contains(name.toLowerCase(Locale.ROOT));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ConsumedCredentials that && headerNames.equals(that.headerNames);
    }

    @Override
    public int hashCode() {
        return headerNames.hashCode();
    }

    @Override
    public String toString() {
        return "ConsumedCredentials" + new TreeSet<>(headerNames);
    }
}
