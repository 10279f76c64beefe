package io.gatehouse.servlet;

import io.gatehouse.auth.ConsumedCredentials;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * The admitted request as the application sees it: without the header fields the gateway read
 * the caller's credential from ({@link ConsumedCredentials}), so the application can neither log
 * nor reuse an API key, bearer token or signature it never needed. Who the caller is stays in
 * the request attributes the filter sets.
 *
 * <p>Not thread-safe; confine to one request, as the request it wraps.
 */
final class CredentialHidingRequest extends HttpServletRequestWrapper {

    private final ConsumedCredentials hidden;
    private final ServletResponse response;

    CredentialHidingRequest(HttpServletRequest request, ServletResponse response,
            ConsumedCredentials hidden) {
        super(request);
        this.response = response;
        this.hidden = hidden;
    }

    @Override
    public String getHeader(String name) {
        return hidden.hides(name) ? null : super.getHeader(name);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
        return hidden.hides(name) ? Collections.emptyEnumeration() : super.getHeaders(name);
    }

    @Override
    public Enumeration<String> getHeaderNames() {
        Enumeration<String> names = super.getHeaderNames();
        if (names == null) {
            return null;
        }
        List<String> visible = new ArrayList<>();
        while (names.hasMoreElements()) {
            String name = names.nextElement();
            if (!hidden.hides(name)) {
                visible.add(name);
            }
        }
        return Collections.enumeration(visible);
    }

    @Override
    public int getIntHeader(String name) {
        return hidden.hides(name) ? -1 : super.getIntHeader(name);
    }

    @Override
    public long getDateHeader(String name) {
        return hidden.hides(name) ? -1 : super.getDateHeader(name);
    }

    /**
     * Starts asynchronous processing with this view of the request, so that
     * {@code AsyncContext.getRequest()} and the {@code ASYNC} dispatch that follows do not
     * reveal the hidden fields either.
     */
    @Override
    public AsyncContext startAsync() {
        return getRequest().startAsync(this, response);
    }
}
