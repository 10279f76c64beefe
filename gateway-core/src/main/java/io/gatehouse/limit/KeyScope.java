package io.gatehouse.limit;

/** What a limit counts by: the part of a request that names its bucket. */
public enum KeyScope {
    /** One bucket per authenticated principal (user, tenant or service). */
    PRINCIPAL,
    /** One bucket per credential, e.g. per API key id. */
    CREDENTIAL,
    /** One bucket per client address. */
    CLIENT_ADDRESS,
    /** One bucket per route, shared by all callers of it. */
    ROUTE,
    /** One bucket for everything the rule applies to. */
    GLOBAL,
    /** The key comes from the limiter's custom {@link KeyResolver}. */
    CUSTOM
}
