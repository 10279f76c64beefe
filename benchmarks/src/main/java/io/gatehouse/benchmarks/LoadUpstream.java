package io.gatehouse.benchmarks;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;

/**
 * The upstream service of the proxy load benchmark: a Jetty 12 core handler, no servlet layer,
 * so that the service itself costs as little as possible and the proxies in front of it show.
 * <ul>
 *   <li>{@code GET /v1/echo}: a small JSON body with a {@code Content-Length};</li>
 *   <li>{@code GET /v1/events?count=N&pauseMs=P}: a Server-Sent Events stream of
 *       {@code N} events (default and least 1) of the form {@code data: {"seq":i}}, each
 *       written and flushed on its own; the first goes out with the headers, the rest
 *       {@code P} milliseconds later (default 0) back to back, so that a proxy that holds
 *       events back shows it in the time to the first event.</li>
 * </ul>
 * Anything else is a 404. Thread-safe.
 */
final class LoadUpstream extends Handler.Abstract.NonBlocking {

    /** The JSON answer of {@code /v1/echo}: small, as most API answers are. */
    static final byte[] ECHO_BODY = "{\"id\":\"req-1\",\"ok\":true,\"items\":[1,2,3]}\n"
            .getBytes(StandardCharsets.UTF_8);

    private static final HttpField JSON =
            new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");
    private static final HttpField ECHO_LENGTH =
            new PreEncodedHttpField(HttpHeader.CONTENT_LENGTH, String.valueOf(ECHO_BODY.length));
    private static final HttpField EVENT_STREAM =
            new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "text/event-stream");
    private static final HttpField NO_CACHE =
            new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, "no-cache");
    private static final int MAX_EVENTS = 1_000_000;
    private static final int MAX_PAUSE_MILLIS = 10_000;

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        if ("/v1/echo".equals(path)) {
            response.setStatus(HttpStatus.OK_200);
            response.getHeaders().put(JSON).put(ECHO_LENGTH);
            response.write(true, ByteBuffer.wrap(ECHO_BODY), callback);
            return true;
        }
        if ("/v1/events".equals(path)) {
            String query = request.getHttpURI().getQuery();
            int count = queryInt(query, "count", 1, 1, MAX_EVENTS);
            int pauseMillis = queryInt(query, "pauseMs", 0, 0, MAX_PAUSE_MILLIS);
            response.setStatus(HttpStatus.OK_200);
            response.getHeaders().put(EVENT_STREAM).put(NO_CACHE);
            new EventStream(request, response, callback, count, pauseMillis).iterate();
            return true;
        }
        return false;
    }

    /** The value of {@code name=} in the query, or {@code fallback}; clamped to [min, max]. */
    static int queryInt(String query, String name, int fallback, int min, int max) {
        if (query == null) {
            return fallback;
        }
        for (String pair : query.split("&")) {
            int equals = pair.indexOf('=');
            if (equals == name.length() && pair.startsWith(name)) {
                try {
                    int value = Integer.parseInt(pair.substring(equals + 1));
                    return Math.max(min, Math.min(max, value));
                } catch (NumberFormatException notANumber) {
                    return fallback;
                }
            }
        }
        return fallback;
    }

    static byte[] event(int seq) {
        return ("data: {\"seq\":" + seq + "}\n\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Writes the events one after another, each only once the previous write completed. */
    private static final class EventStream extends IteratingCallback {
        private final Request request;
        private final Response response;
        private final Callback done;
        private final int count;
        private final int pauseMillis;
        private int sent;
        private boolean paused;

        EventStream(Request request, Response response, Callback done, int count,
                int pauseMillis) {
            this.request = request;
            this.response = response;
            this.done = done;
            this.count = count;
            this.pauseMillis = pauseMillis;
        }

        @Override
        protected Action process() {
            if (sent == count) {
                return Action.SUCCEEDED;
            }
            if (sent == 1 && pauseMillis > 0 && !paused) {
                paused = true;
                request.getComponents().getScheduler()
                        .schedule(this::succeeded, pauseMillis, TimeUnit.MILLISECONDS);
                return Action.SCHEDULED;
            }
            sent++;
            response.write(sent == count, ByteBuffer.wrap(event(sent)), this);
            return Action.SCHEDULED;
        }

        @Override
        protected void onCompleteSuccess() {
            done.succeeded();
        }

        @Override
        protected void onCompleteFailure(Throwable cause) {
            done.failed(cause);
        }
    }
}
