package io.gatehouse.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.gatehouse.Gateway;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/** The access line's {@code bytes_out} counts the body the application wrote, either way. */
@Timeout(120)
class AccessLogBytesOutTest {

    /** "héllo €" in UTF-8: 1 + 2 + 1 + 1 + 1 + 1 + 3 bytes. */
    private static final String TEXT = "h\u00e9llo \u20ac";

    private final Logger access = (Logger) LoggerFactory.getLogger("io.gatehouse.access");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private Level before;
    private ServletContainer.Running running;

    static List<ServletContainer> containers() {
        return ServletContainer.all();
    }

    @BeforeEach
    void capture() {
        lines.start();
        access.addAppender(lines);
        before = access.getLevel();
        access.setLevel(Level.INFO);
    }

    @AfterEach
    void release() throws Exception {
        access.detachAppender(lines);
        access.setLevel(before);
        if (running != null) {
            running.close();
        }
    }

    /** Writes 10,000 bytes through the stream, in pieces. */
    static final class StreamServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response)
                throws IOException {
            response.setContentType("application/octet-stream");
            byte[] piece = new byte[1_000];
            for (int i = 0; i < 10; i++) {
                response.getOutputStream().write(piece);
            }
            response.getOutputStream().write('x');
        }
    }

    /** Writes text with multi-byte characters through the writer. */
    static final class WriterServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response)
                throws IOException {
            response.setContentType("text/plain; charset=utf-8");
            response.getWriter().write(TEXT);
            response.getWriter().print('!');
        }
    }

    private long bytesOutOf(String path) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> lines.list.stream()
                .anyMatch(line -> line.getFormattedMessage().startsWith("GET " + path + " ")));
        ILoggingEvent line = lines.list.stream()
                .filter(event -> event.getFormattedMessage().startsWith("GET " + path + " "))
                .findFirst().orElseThrow();
        return line.getKeyValuePairs().stream().filter(pair -> pair.key.equals("bytes_out"))
                .map(pair -> (Long) pair.value).findFirst().orElseThrow();
    }

    @ParameterizedTest
    @MethodSource("containers")
    void bytesOutIsTheBodyWrittenThroughTheStreamOrTheWriter(ServletContainer container)
            throws Exception {
        Gateway gateway = Gateway.builder(Router.of(List.of(
                        Route.builder("stream", "/stream").publicAccess().build(),
                        Route.builder("text", "/text").publicAccess().build())))
                .build();
        running = container.start(ServletContainer.Deployment.of("", new GatewayFilter(gateway),
                new Paths(Map.of("/stream", new StreamServlet(), "/text", new WriterServlet()))));

        HttpResponse<byte[]> stream = client.send(HttpRequest.newBuilder(running.uri("/stream"))
                .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        HttpResponse<byte[]> text = client.send(HttpRequest.newBuilder(running.uri("/text"))
                .GET().build(), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(stream.body()).hasSize(10_001);
        assertThat(bytesOutOf("/stream")).isEqualTo(10_001);
        assertThat(new String(text.body(), StandardCharsets.UTF_8)).isEqualTo(TEXT + "!");
        assertThat(bytesOutOf("/text")).isEqualTo(text.body().length).isEqualTo(11);
    }
}
