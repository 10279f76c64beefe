package io.gatehouse.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * CORS as a browser enforces it: headless Chromium loads a page from one loopback origin whose
 * script calls the gateway (Jetty or Tomcat, on another port) and writes into the page what it
 * could read; the test reads the page back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(300)
class CorsBrowserTest {

    private static final String PAGE = """
            <!doctype html>
            <html><body><pre id="out"></pre>
            <script>
            var gateway = new URLSearchParams(location.search).get('gateway');
            function call(method, path, headers, body) {
              var xhr = new XMLHttpRequest();
              try {
                xhr.open(method, gateway + path, false);
                for (var name in headers) { xhr.setRequestHeader(name, headers[name]); }
                xhr.send(body);
                return 'status=' + xhr.status
                    + ' request-id=' + (xhr.getResponseHeader('X-Request-ID') ? 'yes' : 'no')
                    + ' ratelimit=' + xhr.getResponseHeader('RateLimit')
                    + ' retry-after=' + xhr.getResponseHeader('Retry-After')
                    + ' body=' + xhr.responseText.length;
              } catch (e) {
                return 'blocked ' + e.name;
              }
            }
            var json = {'Content-Type': 'application/json'};
            var keyed = {'Content-Type': 'application/json', 'X-API-Key': 'good'};
            document.getElementById('out').textContent = [
              'admitted ' + call('POST', '/echo', keyed, '{"prompt":"hi"}'),
              'unauthorized ' + call('POST', '/echo', json, '{}'),
              'limited ' + call('GET', '/cost', {}, null),
              'foreign ' + call('GET', '/stream', {}, null)
            ].join('\\n');
            </script></body></html>
            """;

    private HttpServer pages;
    private HeadlessChromium chromium;

    List<ServletContainer> containers() {
        return ServletContainer.all();
    }

    @BeforeAll
    void startPageServer() throws Exception {
        chromium = HeadlessChromium.require();
        pages = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        pages.createContext("/page.html", exchange -> {
            byte[] body = PAGE.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        pages.start();
    }

    @AfterAll
    void stopPageServer() {
        if (pages != null) {
            pages.stop(0);
        }
    }

    @ParameterizedTest
    @MethodSource("containers")
    void pageOfAnAllowedOriginReadsStatusAndExposedHeadersAndAForeignRouteIsBlocked(
            ServletContainer container) throws Exception {
        String pageOrigin = "http://127.0.0.1:" + pages.getAddress().getPort();
        AppServlet app = new AppServlet();
        try (ServletContainer.Running gateway = container.start(ServletContainer.Deployment.of(
                "/app", new GatewayFilter(CorsGateways.gateway(pageOrigin)), app))) {
            String gatewayBase = "http://127.0.0.1:" + gateway.port() + "/app";

            String dom = chromium.dumpDom(pageOrigin + "/page.html?gateway=" + gatewayBase);

            Matcher out = Pattern.compile("<pre id=\"out\">(.*?)</pre>", Pattern.DOTALL)
                    .matcher(dom);
            assertThat(out.find()).as("page output in %s", dom).isTrue();
            String[] lines = out.group(1).split("\n");
            assertThat(lines).hasSize(4);
            assertThat(lines[0]).isEqualTo("admitted status=200 request-id=yes"
                    + " ratelimit=limit=5, remaining=4, reset=60 retry-after=null body=15");
            // Authentication refuses before limits are consulted: no RateLimit header yet.
            assertThat(lines[1]).matches("unauthorized status=401 request-id=yes"
                    + " ratelimit=null retry-after=null body=[1-9][0-9]+");
            assertThat(lines[2]).matches("limited status=429 request-id=yes"
                    + " ratelimit=limit=5, remaining=0, reset=60 retry-after=60"
                    + " body=[1-9][0-9]+");
            assertThat(lines[3]).isEqualTo("foreign blocked NetworkError");
            assertThat(app.invocations.get("/echo")).hasValue(1);
            assertThat(app.invocations.get("/stream")).hasValue(1);
        }
    }
}
