package io.gatehouse.auth;

/**
 * A kind of credential an {@link Authenticator} reads, so that what a route accepts can be
 * documented (the OpenAPI document's security schemes) without calling it.
 */
public enum Credential {
    /** An API key in {@code X-API-Key}, or as {@code Authorization: Bearer} when not a JWT. */
    API_KEY,
    /** A JSON Web Token as {@code Authorization: Bearer}. */
    BEARER_JWT,
    /** An RFC 9421 HTTP message signature: {@code Signature-Input} and {@code Signature}. */
    HTTP_SIGNATURE
}
