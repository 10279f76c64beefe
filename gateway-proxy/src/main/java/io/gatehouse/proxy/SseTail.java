package io.gatehouse.proxy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Follows a {@code text/event-stream} as it passes and keeps the data of the last event whose
 * data is a JSON object, for a {@link io.gatehouse.upstream.UsageReader} that settles cost from
 * it. Events longer than {@value #MAX_EVENT} bytes are skipped, so memory stays bounded.
 *
 * <p>Not thread-safe; confine to one response (its chunks arrive one at a time).
 */
final class SseTail {

    static final int MAX_EVENT = 64 * 1024;

    private final byte[] line = new byte[MAX_EVENT];
    private int lineLength;
    private boolean lineTooLong;
    private final StringBuilder data = new StringBuilder();
    private boolean dataTooLong;
    private boolean afterCarriageReturn;
    private String lastJsonEvent;

    /** Takes the next bytes of the stream. */
    void accept(ByteBuffer bytes) {
        while (bytes.hasRemaining()) {
            byte b = bytes.get();
            if (b == '\n' && afterCarriageReturn) {
                afterCarriageReturn = false;
                continue;
            }
            afterCarriageReturn = b == '\r';
            if (b == '\n' || b == '\r') {
                endOfLine();
            } else if (lineLength < line.length) {
                line[lineLength++] = b;
            } else {
                lineTooLong = true;
            }
        }
    }

    private void endOfLine() {
        if (lineLength == 0 && !lineTooLong) {
            dispatch();
            return;
        }
        if (lineTooLong) {
            dataTooLong = true;
        } else if (startsWith("data")) {
            int from = 4;
            if (lineLength > 4 && line[4] == ':') {
                from = lineLength > 5 && line[5] == ' ' ? 6 : 5;
            } else if (lineLength > 4) {
                from = -1;
            }
            if (from >= 0) {
                if (data.length() > 0) {
                    data.append('\n');
                }
                data.append(new String(line, from, lineLength - from, StandardCharsets.UTF_8));
                dataTooLong |= data.length() > MAX_EVENT;
            }
        }
        lineLength = 0;
        lineTooLong = false;
    }

    private boolean startsWith(String field) {
        if (lineLength < field.length()) {
            return false;
        }
        for (int i = 0; i < field.length(); i++) {
            if (line[i] != field.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private void dispatch() {
        if (!dataTooLong && data.length() > 0 && data.charAt(0) == '{') {
            lastJsonEvent = data.toString();
        }
        data.setLength(0);
        dataTooLong = false;
    }

    /** The data of the last complete event that is a JSON object, or {@code null}. */
    String lastJsonEvent() {
        return lastJsonEvent;
    }
}
