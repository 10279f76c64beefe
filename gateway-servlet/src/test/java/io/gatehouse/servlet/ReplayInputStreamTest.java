package io.gatehouse.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The replayed body: what the gateway read, then whatever it left in the container's stream. */
class ReplayInputStreamTest {

    /** A container-like stream over fixed bytes. */
    static final class BytesServletInputStream extends ServletInputStream {
        private final ByteArrayInputStream bytes;

        BytesServletInputStream(byte[] bytes) {
            this.bytes = new ByteArrayInputStream(bytes);
        }

        @Override
        public int read() {
            return bytes.read();
        }

        @Override
        public boolean isFinished() {
            return bytes.available() == 0;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            throw new UnsupportedOperationException();
        }
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void partlyReadBodyIsTheReadBytesFollowedByTheRestOfTheStream() throws IOException {
        var stream = new ReplayingRequest.ReplayInputStream(ascii("hello "), false,
                new BytesServletInputStream(ascii("world")));

        assertThat(stream.isFinished()).isFalse();
        assertThat(stream.read()).isEqualTo('h');
        byte[] buffer = new byte[3];
        assertThat(stream.read(buffer, 0, 3)).isEqualTo(3);
        assertThat(buffer).isEqualTo(ascii("ell"));
        assertThat(stream.readAllBytes()).isEqualTo(ascii("o world"));
        assertThat(stream.read()).isEqualTo(-1);
        assertThat(stream.isFinished()).isTrue();
    }

    @Test
    void wholeBodyReadByTheGatewayEndsWithTheReadBytes() throws IOException {
        var stream = new ReplayingRequest.ReplayInputStream(ascii("{\"a\":1}"), true, null);

        assertThat(stream.available()).isEqualTo(7);
        assertThat(stream.readAllBytes()).isEqualTo(ascii("{\"a\":1}"));
        assertThat(stream.read()).isEqualTo(-1);
        assertThat(stream.read(new byte[4], 0, 4)).isEqualTo(-1);
        assertThat(stream.isFinished()).isTrue();
    }

    @Test
    void readListenerOnAFullyReadBodySeesTheDataThenItsEnd() {
        var stream = new ReplayingRequest.ReplayInputStream(ascii("abc"), true, null);
        StringBuilder events = new StringBuilder();

        stream.setReadListener(new ReadListener() {
            @Override
            public void onDataAvailable() throws IOException {
                while (stream.isReady() && !stream.isFinished()) {
                    events.append((char) stream.read());
                }
            }

            @Override
            public void onAllDataRead() {
                events.append("|end");
            }

            @Override
            public void onError(Throwable failure) {
                events.append("|error");
            }
        });

        assertThat(events).hasToString("abc|end");
    }
}
