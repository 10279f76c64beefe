package io.gatehouse.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** Raw HTTP/1.1 over a socket, for what an HTTP client library would hide. */
final class RawHttp {

    private RawHttp() {
    }

    /**
     * Sends {@code request} and returns every byte received until the server closed or reset
     * the connection (a safety read timeout of 30s stops a hang).
     */
    static String exchange(int port, String request) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port));
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int read; (read = in.read(buffer)) >= 0; ) {
                    received.write(buffer, 0, read);
                }
            } catch (java.net.SocketException reset) {
                // A reset ends the response as surely as a close.
            }
            return received.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * An upstream that answers every connection with {@code head} and {@code bodyStart}, then
     * resets the connection: a response broken off mid-body.
     */
    static final class ResettingUpstream implements AutoCloseable {
        private final ServerSocket server;
        private final Thread acceptor;
        final AtomicInteger connections = new AtomicInteger();

        ResettingUpstream(String head, String bodyStart) throws IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket socket = server.accept()) {
                        connections.incrementAndGet();
                        InputStream in = socket.getInputStream();
                        // Read the request head.
                        int matched = 0;
                        while (matched < 4) {
                            int b = in.read();
                            if (b < 0) {
                                break;
                            }
                            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1
                                    : b == '\r' ? 1 : 0;
                        }
                        socket.getOutputStream().write((head + bodyStart)
                                .getBytes(StandardCharsets.ISO_8859_1));
                        socket.getOutputStream().flush();
                        socket.setSoLinger(true, 0);
                    } catch (IOException e) {
                        // Closed.
                    }
                }
            }, "resetting-upstream");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException, InterruptedException {
            server.close();
            acceptor.join(5_000);
        }
    }
}
