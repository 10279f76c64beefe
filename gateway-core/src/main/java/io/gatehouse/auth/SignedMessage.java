package io.gatehouse.auth;

import java.util.List;

/**
 * The parts of an HTTP message that RFC 9421 components are taken from, as seen by the signer or
 * the verifier. Request and response views implement it; values are raw, as on the wire.
 *
 * <p>Implementations are not thread-safe; confine each to one message.
 */
interface SignedMessage {

    /** The request method, or {@code null} for a response. */
    String method();

    /** The {@code Host} (or {@code :authority}) value as received, or {@code null}. */
    String authority();

    /** The scheme of the request target, e.g. {@code https}. */
    String scheme();

    /** The raw, still percent-encoded path; may be empty. */
    String rawPath();

    /** The raw query without {@code ?}; empty when there is none. */
    String rawQuery();

    /** The response status, or -1 for a request. */
    int status();

    /** Every line of the field named {@code lowerCaseName}, in order; empty when absent. */
    List<String> fieldLines(String lowerCaseName);
}
