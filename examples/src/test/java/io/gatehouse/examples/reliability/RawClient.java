package io.gatehouse.examples.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One HTTP/1.1 connection driven byte by byte from a chosen loopback address (127.0.0.2 and up
 * stand for other clients), for what client libraries hide: slow senders, aborted uploads,
 * malformed framing, several requests on one connection.
 *
 * <p>Not thread-safe.
 */
final class RawClient implements AutoCloseable {

    /** A response as read from the wire; header names in lower case. */
    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final Socket socket;
    private final InputStream in;

    RawClient(int port, String fromAddress) throws IOException {
        socket = new Socket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(fromAddress, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(20_000);
        in = socket.getInputStream();
    }

    RawClient send(String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return this;
    }

    /** Stops sending, as a client that gave up on its upload does. */
    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /**
     * Reads one response with a {@code Content-Length} body, or {@code null} when the server
     * closed the connection without one.
     */
    Response read() throws IOException {
        String statusLine;
        try {
            statusLine = line();
        } catch (SocketException reset) {
            return null;
        }
        if (statusLine == null) {
            return null;
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new TreeMap<>();
        for (String line = line(); line != null && !line.isEmpty(); line = line()) {
            int colon = line.indexOf(':');
            headers.merge(line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                    line.substring(colon + 1).strip(), (a, b) -> a + ", " + b);
        }
        String length = headers.get("content-length");
        byte[] body = length == null ? new byte[0] : in.readNBytes(Integer.parseInt(length));
        return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
