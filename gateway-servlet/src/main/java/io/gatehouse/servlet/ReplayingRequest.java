package io.gatehouse.servlet;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UnsupportedEncodingException;
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The request as the application behind the gateway sees it once the gateway has read (part of)
 * the body: {@link #getInputStream()} and {@link #getReader()} return the bytes the gateway read
 * followed by the rest of the container's stream, and form parameters of a
 * {@code application/x-www-form-urlencoded} POST are parsed from those same bytes (the container
 * can no longer parse them, its stream having been opened).
 *
 * <p>Not thread-safe; confine to one request.
 */
final class ReplayingRequest extends HttpServletRequestWrapper {

    private static final String FORM = "application/x-www-form-urlencoded";

    private final ServletExchange exchange;
    private ReplayInputStream stream;
    private BufferedReader reader;
    private Map<String, String[]> parameters;

    ReplayingRequest(ServletExchange exchange) {
        super(exchange.request());
        this.exchange = exchange;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
        if (reader != null) {
            throw new IllegalStateException("getReader() has already been called");
        }
        return openStream();
    }

    @Override
    public BufferedReader getReader() throws IOException {
        if (reader == null) {
            if (stream != null) {
                throw new IllegalStateException("getInputStream() has already been called");
            }
            reader = new BufferedReader(new InputStreamReader(openStream(), bodyCharset()));
        }
        return reader;
    }

    private ReplayInputStream openStream() throws IOException {
        if (stream == null) {
            stream = new ReplayInputStream(exchange.bodyPrefix(), exchange.bodyComplete(),
                    exchange.bodyComplete() ? null : super.getInputStream());
        }
        return stream;
    }

    private Charset bodyCharset() throws UnsupportedEncodingException {
        String name = getCharacterEncoding();
        if (name == null) {
            name = getServletContext().getRequestCharacterEncoding();
        }
        if (name == null) {
            return StandardCharsets.ISO_8859_1;
        }
        try {
            return Charset.forName(name);
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            throw new UnsupportedEncodingException(name);
        }
    }

    @Override
    public String getParameter(String name) {
        String[] values = parameters().get(name);
        return values == null ? null : values[0];
    }

    @Override
    public Map<String, String[]> getParameterMap() {
        return parameters();
    }

    @Override
    public Enumeration<String> getParameterNames() {
        return Collections.enumeration(parameters().keySet());
    }

    @Override
    public String[] getParameterValues(String name) {
        String[] values = parameters().get(name);
        return values == null ? null : values.clone();
    }

    private Map<String, String[]> parameters() {
        if (parameters == null) {
            // The container parses the query string; it skips the body because its stream is
            // already open, so a form body the gateway read is parsed here, after the query
            // parameters, as the Servlet specification orders them.
            Map<String, String[]> query = super.getParameterMap();
            if (!isFormPost() || stream != null || reader != null || !exchange.bodyComplete()) {
                parameters = query;
            } else {
                parameters = Collections.unmodifiableMap(merge(query, parseForm()));
            }
        }
        return parameters;
    }

    private boolean isFormPost() {
        String contentType = getContentType();
        return "POST".equals(getMethod()) && contentType != null
                && contentType.toLowerCase(Locale.ROOT).startsWith(FORM);
    }

    private Map<String, List<String>> parseForm() {
        Charset charset;
        try {
            charset = bodyCharset();
        } catch (UnsupportedEncodingException e) {
            charset = StandardCharsets.ISO_8859_1;
        }
        String body = new String(exchange.bodyPrefix(), charset);
        Map<String, List<String>> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            String value = equals < 0 ? "" : pair.substring(equals + 1);
            try {
                form.computeIfAbsent(URLDecoder.decode(name, charset), key -> new ArrayList<>())
                        .add(URLDecoder.decode(value, charset));
            } catch (IllegalArgumentException malformed) {
                // Containers skip malformed pairs rather than failing the request; so does this.
            }
        }
        return form;
    }

    private static Map<String, String[]> merge(Map<String, String[]> query,
            Map<String, List<String>> form) {
        Map<String, String[]> merged = new LinkedHashMap<>();
        query.forEach((name, values) -> merged.put(name, values.clone()));
        form.forEach((name, values) -> {
            String[] before = merged.get(name);
            List<String> all = new ArrayList<>();
            if (before != null) {
                all.addAll(List.of(before));
            }
            all.addAll(values);
            merged.put(name, all.toArray(new String[0]));
        });
        return merged;
    }

    /** The read bytes, then the rest of the container's stream. Not thread-safe. */
    static final class ReplayInputStream extends ServletInputStream {
        private final byte[] prefix;
        private final boolean prefixIsWhole;
        private final ServletInputStream rest;
        private int position;

        ReplayInputStream(byte[] prefix, boolean prefixIsWhole, ServletInputStream rest) {
            this.prefix = prefix;
            this.prefixIsWhole = prefixIsWhole;
            this.rest = rest;
        }

        @Override
        public int read() throws IOException {
            if (position < prefix.length) {
                return prefix[position++] & 0xff;
            }
            return prefixIsWhole ? -1 : rest.read();
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            java.util.Objects.checkFromIndexSize(offset, length, buffer.length);
            if (length == 0) {
                return 0;
            }
            int remaining = prefix.length - position;
            if (remaining > 0) {
                int count = Math.min(remaining, length);
                System.arraycopy(prefix, position, buffer, offset, count);
                position += count;
                return count;
            }
            return prefixIsWhole ? -1 : rest.read(buffer, offset, length);
        }

        @Override
        public int available() throws IOException {
            int remaining = prefix.length - position;
            return prefixIsWhole ? remaining : remaining + rest.available();
        }

        @Override
        public boolean isFinished() {
            return position >= prefix.length && (prefixIsWhole || rest.isFinished());
        }

        @Override
        public boolean isReady() {
            return position < prefix.length || prefixIsWhole || rest.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            java.util.Objects.requireNonNull(listener, "listener");
            if (prefixIsWhole) {
                // Nothing is left in the container's stream: the data is all here, so the
                // listener may read it at once, as a container would let it on registration.
                try {
                    if (position < prefix.length) {
                        listener.onDataAvailable();
                    }
                    listener.onAllDataRead();
                } catch (IOException | RuntimeException e) {
                    listener.onError(e);
                }
                return;
            }
            rest.setReadListener(new ReadListener() {
                @Override
                public void onDataAvailable() throws IOException {
                    listener.onDataAvailable();
                }

                @Override
                public void onAllDataRead() throws IOException {
                    if (position < prefix.length) {
                        listener.onDataAvailable();
                    }
                    listener.onAllDataRead();
                }

                @Override
                public void onError(Throwable failure) {
                    listener.onError(failure);
                }
            });
        }
    }
}
