package io.gatehouse.servlet;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * The response handed to the local application: counts the body bytes it writes, through the
 * output stream or the writer, for the access log's {@code bytes_out}. Writes go straight to the
 * container's own stream and writer, so buffering, flushing and async I/O are the container's.
 * Characters are counted in the response's encoding (exactly for UTF-8 and single-byte
 * encodings).
 *
 * <p>Not thread-safe beyond what the Servlet API allows: one writer at a time.
 */
final class CountingResponse extends HttpServletResponseWrapper {

    /** Written by the thread writing the body, read when the response completes. */
    private volatile long bytes;
    private ServletOutputStream stream;
    private PrintWriter writer;

    CountingResponse(HttpServletResponse response) {
        super(response);
    }

    /** Body bytes the application wrote so far. */
    long bytesWritten() {
        return bytes;
    }

    private void add(long count) {
        bytes += count;
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
        if (stream == null) {
            stream = new CountingStream(super.getOutputStream());
        }
        return stream;
    }

    @Override
    public PrintWriter getWriter() throws IOException {
        if (writer == null) {
            PrintWriter container = super.getWriter();
            writer = new PrintWriter(new CountingWriter(container,
                    Charset.forName(getCharacterEncoding())), false);
        }
        return writer;
    }

    @Override
    public void reset() {
        super.reset();
        bytes = 0;
    }

    @Override
    public void resetBuffer() {
        // Whatever was buffered is dropped; bytes already flushed were sent and stay counted.
        super.resetBuffer();
        if (!isCommitted()) {
            bytes = 0;
        }
    }

    private final class CountingStream extends ServletOutputStream {
        private final ServletOutputStream out;

        CountingStream(ServletOutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            add(1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            add(len);
        }

        @Override
        public void write(ByteBuffer buffer) throws IOException {
            int count = buffer.remaining();
            out.write(buffer);
            add(count);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }

        @Override
        public boolean isReady() {
            return out.isReady();
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            out.setWriteListener(listener);
        }
    }

    private final class CountingWriter extends Writer {
        private final PrintWriter out;
        private final Charset charset;
        private final boolean utf8;
        private final boolean singleByte;

        CountingWriter(PrintWriter out, Charset charset) {
            this.out = out;
            this.charset = charset;
            this.utf8 = charset.equals(StandardCharsets.UTF_8);
            this.singleByte = charset.equals(StandardCharsets.ISO_8859_1)
                    || charset.equals(StandardCharsets.US_ASCII);
        }

        @Override
        public void write(char[] chars, int off, int len) {
            out.write(chars, off, len);
            add(encodedLength(CharBuffer.wrap(chars, off, len)));
        }

        @Override
        public void write(String text, int off, int len) {
            out.write(text, off, len);
            add(encodedLength(CharBuffer.wrap(text, off, off + len)));
        }

        @Override
        public void write(int c) {
            out.write(c);
            add(encodedLength(CharBuffer.wrap(new char[] {(char) c})));
        }

        private long encodedLength(CharBuffer chars) {
            if (singleByte) {
                return chars.remaining();
            }
            if (!utf8) {
                return charset.encode(chars).remaining();
            }
            long length = 0;
            for (int i = chars.position(); i < chars.limit(); i++) {
                char c = chars.get(i);
                // A surrogate pair is four bytes: two for each half.
                length += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
            }
            return length;
        }

        @Override
        public void flush() {
            out.flush();
        }

        @Override
        public void close() {
            out.close();
        }
    }
}
