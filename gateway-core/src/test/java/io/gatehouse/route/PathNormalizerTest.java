package io.gatehouse.route;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PathNormalizerTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "/, /",
        "/invocations, /invocations",
        "/invocations/, /invocations",
        "//admin, /admin",
        "/a//b///c, /a/b/c",
        "/a/./b, /a/b",
        "/a/b/../c, /a/c",
        "/a/b/.., /a",
        "/%61dmin, /admin",
        "/caf%C3%A9, /café",
        "/a/%2e%2e/b, /b",
        "/a%20b, /a b",
        "/v1/models/gpt-4o:predict, /v1/models/gpt-4o:predict",
    })
    void normalizesToOneCanonicalForm(String raw, String expected) {
        assertThat(PathNormalizer.normalize(raw)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "relative", "/..", "/a/../..", "/%2e%2e", "/a%2Fb", "/a%2fb", "/a%5Cb", "/a\\b",
        "/a%00b", "/a%0d%0ab", "/a%", "/a%4", "/a%zz", "/%C3%28", "/%FF", "/a\u0000b", "/é",
    })
    void refusesMalformedOrAmbiguousPaths(String raw) {
        assertThat(PathNormalizer.normalize(raw)).isNull();
    }

    @Property
    void normalizingIsIdempotentOnItsOwnOutput(@ForAll("paths") String raw) {
        String once = PathNormalizer.normalize(raw);
        if (once == null) {
            return;
        }
        assertThat(PathNormalizer.normalize(encode(once))).isEqualTo(once);
    }

    @Property
    void normalizedPathsNeverHoldDotSegmentsOrEmptySegments(@ForAll("paths") String raw) {
        String normalized = PathNormalizer.normalize(raw);
        if (normalized == null) {
            return;
        }
        assertThat(normalized).startsWith("/");
        if (!normalized.equals("/")) {
            assertThat(normalized).doesNotEndWith("/");
            for (String segment : normalized.substring(1).split("/", -1)) {
                assertThat(segment).isNotEmpty().isNotEqualTo(".").isNotEqualTo("..");
            }
        }
    }

    @Property
    void percentEncodingAnUnreservedCharacterNeverChangesTheResult(@ForAll("paths") String raw) {
        String normalized = PathNormalizer.normalize(raw);
        int index = raw.indexOf('a');
        if (index < 0) {
            return;
        }
        String encoded = raw.substring(0, index) + "%61" + raw.substring(index + 1);
        assertThat(PathNormalizer.normalize(encoded)).isEqualTo(normalized);
    }

    /** Percent-encodes everything but unreserved characters, sub-delimiters, ':', '@' and '/'. */
    private static String encode(String path) {
        StringBuilder encoded = new StringBuilder();
        for (byte b : path.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c)
                    || "-._~!$&'()*+,;=:@/".indexOf(c) >= 0)) {
                encoded.append(c);
            } else {
                encoded.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return encoded.toString();
    }

    @Provide
    Arbitrary<String> paths() {
        Arbitrary<String> segment = Arbitraries.oneOf(
                Arbitraries.of("", ".", "..", "%2e", "%2E%2e", "%2F", "%", "%61", "%C3%A9", "%00"),
                Arbitraries.strings().withChars("abz09-._~:@!$&'()*+,;=%").ofMaxLength(6));
        return segment.list().ofMaxSize(8).map(parts -> "/" + String.join("/", parts));
    }
}
