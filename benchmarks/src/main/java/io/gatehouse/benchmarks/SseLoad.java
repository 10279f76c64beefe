package io.gatehouse.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load client for Server-Sent Events ({@code proxy-load.sh} runs it against the upstream
 * directly and through each proxy): {@code CONNECTIONS} threads each open a stream, read it to
 * its end, and open the next, first for {@code WARMUP_SECONDS} unmeasured, then for
 * {@code SECONDS} measured. It reports
 * <ul>
 *   <li>events per second over the measured streams (every {@code data:} line counts);</li>
 *   <li>the time to the first event of each measured stream: from sending the request to
 *       reading the first {@code data:} line (p50, p99, max, in microseconds);</li>
 *   <li>errors: streams that did not answer 200 or did not bring exactly
 *       {@code EXPECTED_EVENTS} events (or failed on I/O).</li>
 * </ul>
 * Usage: {@code SseLoad URL CONNECTIONS WARMUP_SECONDS SECONDS EXPECTED_EVENTS [NAME: VALUE]},
 * the last a request header (an API key). Output is one line of {@code name=value} pairs, after
 * {@code sse }; each kind of failed stream (warm-up included) goes to standard error with its
 * count. Loopback only: the URL must name 127.0.0.1.
 */
public final class SseLoad {

    private static final String LOOPBACK = "http://127.0.0.1:";

    private SseLoad() {
    }

    /** What one thread saw in one phase. */
    private static final class Tally {
        private long[] firstEventNanos = new long[1024];
        private int streams;
        private long events;
        private long errors;

        void stream(long firstEvent, long eventsRead, boolean ok) {
            if (streams == firstEventNanos.length) {
                firstEventNanos = Arrays.copyOf(firstEventNanos, streams * 2);
            }
            firstEventNanos[streams++] = firstEvent;
            events += eventsRead;
            if (!ok) {
                errors++;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5 || !args[0].startsWith(LOOPBACK)) {
            throw new IllegalArgumentException("usage: SseLoad http://127.0.0.1:PORT/PATH "
                    + "CONNECTIONS WARMUP_SECONDS SECONDS EXPECTED_EVENTS [NAME: VALUE]");
        }
        URI uri = URI.create(args[0]);
        int connections = Integer.parseInt(args[1]);
        long warmupNanos = Duration.ofSeconds(Long.parseLong(args[2])).toNanos();
        long measureNanos = Duration.ofSeconds(Long.parseLong(args[3])).toNanos();
        int expected = Integer.parseInt(args[4]);
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).GET()
                .timeout(Duration.ofSeconds(30)).header("Accept", "text/event-stream");
        if (args.length > 5) {
            int colon = args[5].indexOf(':');
            builder.header(args[5].substring(0, colon).trim(), args[5].substring(colon + 1).trim());
        }
        HttpRequest request = builder.build();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();

        AtomicLong allEvents = new AtomicLong();
        Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        long measureFrom = start + warmupNanos;
        long measureUntil = measureFrom + measureNanos;
        List<Tally> tallies = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        long[] lastEnd = new long[connections];
        for (int i = 0; i < connections; i++) {
            Tally tally = new Tally();
            tallies.add(tally);
            int index = i;
            Thread thread = new Thread(() -> {
                while (System.nanoTime() < measureUntil) {
                    long sent = System.nanoTime();
                    String[] failure = new String[1];
                    long[] seen = readStream(client, request, sent, failure);
                    boolean ok = seen[0] == 200 && seen[1] == expected;
                    if (!ok) {
                        String kind = failure[0] != null ? failure[0] + " after " + seen[1]
                                + " events" : seen[0] != 200 ? "status " + seen[0]
                                : "clean end after " + seen[1] + " of " + expected + " events";
                        failures.computeIfAbsent(kind, unused -> new AtomicLong())
                                .incrementAndGet();
                    }
                    allEvents.addAndGet(seen[1]);
                    if (sent >= measureFrom) {
                        tally.stream(seen[2], seen[1], ok);
                    }
                }
                lastEnd[index] = System.nanoTime();
            }, "sse-" + i);
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        long end = Arrays.stream(lastEnd).max().orElse(measureUntil);
        report(tallies, end - measureFrom, allEvents.get());
        // Warm-up streams included: a stream that fails is a finding whenever it happens.
        failures.forEach((kind, count) ->
                System.err.println("failed stream: " + kind + " (x" + count + ")"));
    }

    /**
     * Reads one stream to its end: {status, events, nanos to first event or -1}; an I/O failure
     * is described in {@code failure[0]}.
     */
    private static long[] readStream(HttpClient client, HttpRequest request, long sent,
            String[] failure) {
        long[] seen = {0, 0, -1};
        try {
            HttpResponse<InputStream> response =
                    client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            seen[0] = response.statusCode();
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.startsWith("data:")) {
                        if (seen[1]++ == 0) {
                            seen[2] = System.nanoTime() - sent;
                        }
                    }
                }
            }
        } catch (IOException failed) {
            failure[0] = failed.getClass().getSimpleName() + ": " + failed.getMessage();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            failure[0] = "interrupted";
        }
        return seen;
    }

    private static void report(List<Tally> tallies, long elapsedNanos, long allEvents) {
        int streams = 0;
        long events = 0;
        long errors = 0;
        for (Tally tally : tallies) {
            streams += tally.streams;
            events += tally.events;
            errors += tally.errors;
        }
        long[] firsts = new long[streams];
        int filled = 0;
        for (Tally tally : tallies) {
            for (int i = 0; i < tally.streams; i++) {
                // A stream without any event has no time to its first one; it counts as an error.
                if (tally.firstEventNanos[i] >= 0) {
                    firsts[filled++] = tally.firstEventNanos[i];
                }
            }
        }
        Arrays.sort(firsts, 0, filled);
        double seconds = elapsedNanos / 1e9;
        System.out.printf("sse streams=%d events=%d errors=%d seconds=%.2f events_per_s=%.0f"
                        + " first_p50_us=%.0f first_p99_us=%.0f first_max_us=%.0f"
                        + " all_events=%d%n",
                streams, events, errors, seconds, events / seconds,
                micros(firsts, filled, 0.50), micros(firsts, filled, 0.99),
                micros(firsts, filled, 1.0), allEvents);
    }

    /** The nearest-rank percentile of the first {@code count} sorted values, in microseconds. */
    private static double micros(long[] sorted, int count, double quantile) {
        if (count == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(quantile * count);
        return sorted[Math.max(0, rank - 1)] / 1e3;
    }
}
