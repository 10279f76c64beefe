package io.gatehouse.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The documentation as a reader uses it: headless Chromium, driven through chromedriver, opens
 * {@code /docs} on an embedded Jetty 12 serving the gateway's filter, a demo service at
 * {@code /invocations} and the documentation servlets; calls {@code POST /invocations} from the
 * page without a key (401, the service never sees it), authorizes with a demo API key, calls
 * again and reads the service's 200.
 */
@Timeout(300)
class DocsBrowserTest {

    @Test
    void swaggerUiAuthorizesWithAnApiKeyAndCallsInvocations() throws Exception {
        HeadlessChromium chromium = HeadlessChromium.require();
        Path driverExecutable = HeadlessChromium.requireDriver();
        DocsGateway docs = new DocsGateway();
        Path profile = Files.createTempDirectory("gatehouse-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.executable().toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(driverExecutable.toFile())
                .usingAnyFreePort()
                .build();
        WebDriver browser = null;
        try (ServletContainer.Running running =
                new ServletContainer.Jetty().start(docs.deployment())) {
            browser = new ChromeDriver(service, options);
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
            browser.get(running.uri("/docs").toString());

            // The page loaded Swagger UI, which loaded the document from /openapi.json.
            wait.until(ExpectedConditions.textToBePresentInElementLocated(
                    By.cssSelector(".info .title"), "Demo inference API"));
            WebElement operation = wait.until(ExpectedConditions.presenceOfElementLocated(
                    By.id("operations-default-invocations")));
            operation.findElement(By.cssSelector(".opblock-summary-control")).click();
            wait.until(ExpectedConditions.elementToBeClickable(
                    By.cssSelector("#operations-default-invocations .try-out__btn"))).click();
            WebElement body = wait.until(ExpectedConditions.visibilityOfElementLocated(
                    By.cssSelector("#operations-default-invocations textarea.body-param__text")));
            body.clear();
            body.sendKeys("{\"prompt\": \"hello\"}");

            // Without credentials: the gateway answers 401 and the service is not called.
            execute(browser, wait);
            assertThat(liveStatus(wait, "401")).isEqualTo("401");
            assertThat(docs.invocations.served.get()).isZero();

            browser.findElement(By.cssSelector(".scheme-container .btn.authorize")).click();
            WebElement keyInput = wait.until(ExpectedConditions.visibilityOfElementLocated(
                    By.cssSelector(".modal-ux input[type=text]")));
            keyInput.sendKeys(docs.demoKey);
            browser.findElement(By.cssSelector(".modal-ux .auth-btn-wrapper .authorize"))
                    .click();
            wait.until(ExpectedConditions.elementToBeClickable(
                    By.cssSelector(".modal-ux .auth-btn-wrapper .btn-done"))).click();
            wait.until(ExpectedConditions.invisibilityOfElementLocated(
                    By.cssSelector(".modal-ux")));

            execute(browser, wait);
            assertThat(liveStatus(wait, "200")).isEqualTo("200");
            String responseBody = browser.findElement(By.cssSelector(
                    "#operations-default-invocations .live-responses-table "
                            + ".response .response-col_description")).getText();
            assertThat(responseBody).contains("hello from the demo model");
            assertThat(docs.invocations.served.get()).isEqualTo(1);
        } finally {
            if (browser != null) {
                browser.quit();
            }
            service.stop();
            deleteTree(profile);
        }
    }

    private static void execute(WebDriver browser, WebDriverWait wait) {
        wait.until(ExpectedConditions.elementToBeClickable(
                By.cssSelector("#operations-default-invocations button.execute"))).click();
    }

    /**
     * Waits until the live response's status cell shows {@code expected}, and returns the
     * status it shows (the cell's first word: Swagger UI adds "Undocumented" for a status the
     * document covers only by the range {@code 2XX}).
     */
    private static String liveStatus(WebDriverWait wait, String expected) {
        By status = By.cssSelector("#operations-default-invocations .live-responses-table "
                + ".response .response-col_status");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(status, expected));
        return wait.until(ExpectedConditions.visibilityOfElementLocated(status)).getText()
                .strip().split("\\s+")[0];
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // A profile file still held by a dying renderer; the temp directory is reaped.
        }
    }
}
