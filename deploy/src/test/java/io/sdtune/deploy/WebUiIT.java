package io.sdtune.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sdtune.deploy.demo.GatewayClient;
import io.sdtune.deploy.demo.GatewayClient.NamedImage;
import io.sdtune.deploy.demo.SampleImages;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web UI as a user drives it, in Debian's headless chromium: sign in with an API key, upload images, train a
 * LoRA with a few steps, watch its progress, then draw with the new adapter, see the picture in the gallery,
 * download the adapter's file and delete what was made - against the whole platform as {@code bin/sdtune} runs it.
 */
class WebUiIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static final Path REPORTS = Path.of(System.getProperty("basedir", "."), "target", "failsafe-reports");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** The tenant of the platform's key. */
    private static final String TENANT = "local";
    /** Well-formed (sdt_ and 43 base64url characters), and no key of the platform's. */
    private static final String UNKNOWN_KEY = "sdt_" + "A".repeat(43);

    @RegisterExtension
    static final RunningPlatform PLATFORM = new RunningPlatform("web-ui-");

    private static Path userDataDir;
    private static Path downloads;
    private static ChromeDriverService driverService;
    private static WebDriver browser;

    @RegisterExtension
    static final TestWatcher DIAGNOSIS = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            saveDiagnosis(context.getRequiredTestMethod().getName());
        }
    };

    /** After the platform's start (the extension's beforeAll runs before this). */
    @BeforeAll
    static void start() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            fail("WebUiIT drives Debian's chromium through Debian's chromedriver, and " + CHROMIUM + " or "
                    + CHROMEDRIVER + " is missing: install them with `apt-get install chromium chromium-driver` "
                    + "(deploy/src/test/browser/install-chromium.sh, run by `mvn verify`, does it)");
        }
        downloads = TestDirectories.create("web-ui-downloads-");
        browser = startChromium();
    }

    /**
     * Debian's chromium and chromedriver named explicitly, so Selenium Manager neither looks for nor downloads any;
     * downloads go to {@link #downloads} without asking.
     */
    private static WebDriver startChromium() throws IOException {
        userDataDir = Files.createTempDirectory("sdtune-chromium");
        Files.createDirectories(REPORTS);
        driverService = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(REPORTS.resolve("WebUiIT-chromedriver.log").toFile())
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1280,2000", "--user-data-dir=" + userDataDir);
        options.setExperimentalOption("prefs", Map.of(
                "download.default_directory", downloads.toString(),
                "download.prompt_for_download", false,
                "safebrowsing.enabled", false));
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        return new ChromeDriver(driverService, options);
    }

    /** Before the platform's stop (the extension's afterAll runs after this). */
    @AfterAll
    static void stop() throws IOException {
        try {
            if (browser != null) {
                browser.quit();
            }
            if (driverService != null) {
                driverService.stop();
            }
        } finally {
            if (userDataDir != null) {
                deleteRecursively(userDataDir);
            }
        }
    }

    /** A script error, a failed request or a Content-Security-Policy violation shows in the console; none is expected. */
    @AfterEach
    void noErrorsInTheConsole() {
        assertThat(severeConsoleEntries()).as("SEVERE entries in the browser's console").isEmpty();
    }

    @Test
    void aUserTrainsALoraDrawsWithItDownloadsItAndDeletesTheDrawing() throws Exception {
        openSignedIn();

        // Given a few images of the toy, uploaded through the page's file input
        List<String> files = new ArrayList<>();
        Path images = TestDirectories.create("web-ui-images-");
        for (NamedImage image : SampleImages.catToy(3, 11)) {
            files.add(Files.write(images.resolve(image.fileName()), image.bytes()).toString());
        }
        element("files").sendKeys(String.join("\n", files));
        element("upload-button").click();
        until(() -> !text("dataset-id").equals("none yet"), "the dataset's id shown");
        String datasetId = text("dataset-id");

        // when LoRA is picked, the instance prompt names the token, a validation prompt is given, and a few steps
        new Select(element("method")).selectByValue("LORA");
        until(() -> !value("hyper-parameters").isBlank(), "the method's defaults filled in");
        ObjectNode hyperParameters = (ObjectNode) JSON.readTree(value("hyper-parameters"));
        assertThat(hyperParameters.get("resolution").asInt()).as("the tiny base model's resolution")
                .isEqualTo(BaseModel.TINY.resolution());
        hyperParameters.put("max_train_steps", 6).put("num_validation_images", 1);
        replace("hyper-parameters", hyperParameters.toPrettyString());
        replace("instance-prompt", "a photo of <cat-toy>");
        replace("validation-prompt", "A <cat-toy> backpack");
        element("start-button").click();

        // then the job is watched on the page (its event stream read with fetch and the key) until it succeeds
        until(() -> !text("job-id").equals("none yet"), "the job's id shown");
        Set<String> states = new LinkedHashSet<>();
        until(() -> {
            states.add(text("job-state").replaceAll(" - adapter .*", ""));
            return text("job-state").startsWith("succeeded") || text("job-state").startsWith("failed");
        }, "the job to end");
        System.out.println("WebUiIT: job states seen " + states);
        assertThat(text("job-state")).startsWith("succeeded - adapter ");
        assertThat(Double.parseDouble(value("progress"))).isEqualTo(1.0);
        assertThat(text("progress-text")).startsWith("step 6/6, loss ").containsPattern(", [0-9.]+ s/step, about ");
        assertThat((Boolean) script("const c = arguments[0];"
                + "return c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v !== 0);",
                element("loss"))).as("the loss curve drawn").isTrue();
        assertThat(element("cancel-button").isEnabled()).as("cancel, once the job ended").isFalse();

        // and the validation prompt drawn at the last step is shown, fetched with the key
        By validationImage = By.cssSelector("#validation img");
        until(() -> !browser.findElements(validationImage).isEmpty(), "the validation image");
        assertThat(text("validation")).startsWith("step 6:");
        assertLoaded(browser.findElement(validationImage), BaseModel.TINY.resolution());

        // when the dataset, trained on, is deleted, then the page says so
        element("delete-dataset-button").click();
        until(() -> text("dataset-id").equals("none (" + datasetId + " deleted)"), "the dataset deleted");

        // when the new adapter is ticked (scale 1) for a drawing of a few steps at the model's size
        String adapterId = text("job-state").substring("succeeded - adapter ".length());
        By useAdapter = By.cssSelector("#adapters input[type=checkbox][data-adapter-id='" + adapterId + "']");
        until(() -> !browser.findElements(useAdapter).isEmpty(), "the new adapter offered");
        browser.findElement(useAdapter).click();
        assertThat(value("width")).isEqualTo(value("height")).isEqualTo(String.valueOf(BaseModel.TINY.resolution()));
        replace("prompt", "A <cat-toy> backpack");
        replace("steps", "4");
        replace("seed", "42");
        element("generate-button").click();

        // then the picture appears in the gallery, loaded
        String requestId = awaitGeneration();
        By drawing = By.cssSelector("#gallery .generation[data-request-id='" + requestId + "']");
        until(() -> !browser.findElements(drawing).isEmpty(), "the drawing in the gallery");
        WebElement galleryImage = browser.findElement(drawing).findElement(By.tagName("img"));
        assertThat(galleryImage.getDomAttribute("title")).isEqualTo("A <cat-toy> backpack");
        assertLoaded(galleryImage, BaseModel.TINY.resolution());

        // when the adapter's file is downloaded as stored (its first format)
        JsonNode listed = api("/api/adapters/" + adapterId + "/files");
        assertThat(listed).as("the adapter's files").isNotEmpty();
        JsonNode file = listed.get(0);
        WebElement adapterRow = browser.findElement(By.cssSelector("#adapters .adapter[data-adapter-id='" + adapterId + "']"));
        adapterRow.findElement(By.cssSelector("details.files > summary")).click();
        By saveFile = By.cssSelector("#adapters .adapter[data-adapter-id='" + adapterId + "'] button.download[data-file='"
                + file.get("name").asText() + "']");
        until(() -> !browser.findElements(saveFile).isEmpty(), "the adapter's files listed");
        browser.findElements(saveFile).get(0).click();

        // then the browser fetched all of it and saved it under the gateway's name, with the size the API lists
        long size = file.get("size_bytes").asLong();
        until(() -> text("download-state").startsWith("saved "), "the download");
        String saved = text("download-state");
        assertThat(saved).endsWith(": " + size + " bytes");
        Path downloaded = downloads.resolve(saved.substring("saved ".length(), saved.lastIndexOf(": ")));
        until(() -> Files.isRegularFile(downloaded) && sizeOf(downloaded) == size, "the file " + downloaded + " saved");

        // when the drawing is deleted, then it is gone from the gallery and from the API
        browser.findElement(drawing).findElement(By.cssSelector("button.delete-generation")).click();
        until(() -> browser.findElements(drawing).isEmpty(), "the drawing gone from the gallery");
        assertThat(apiStatus("/api/generations/" + requestId)).isEqualTo(404);

        // when the adapter is deleted, once confirmed, then it is no longer offered nor listed
        browser.findElement(By.cssSelector("#adapters .adapter[data-adapter-id='" + adapterId + "'] button.delete-adapter"))
                .click();
        Alert confirmation = new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.alertIsPresent());
        assertThat(confirmation.getText()).contains(adapterId);
        confirmation.accept();
        until(() -> browser.findElements(useAdapter).isEmpty(), "the adapter gone from the page");
        assertThat(api("/api/adapters").findValuesAsText("id")).doesNotContain(adapterId);
    }

    @Test
    void aPromptIsShownAsTextNeverAsMarkup() {
        openSignedIn();
        String markup = "<img src=x onerror=window.__xss=1>";

        // when a prompt that is markup is drawn through the page
        replace("prompt", markup);
        replace("steps", "2");
        element("generate-button").click();
        String requestId = awaitGeneration();

        // then the gallery shows it as its text, and nothing of it ran
        By caption = By.cssSelector("#gallery .generation[data-request-id='" + requestId + "'] figcaption");
        until(() -> !browser.findElements(caption).isEmpty(), "the drawing in the gallery");
        WebElement shown = browser.findElement(caption);
        assertThat(shown.isDisplayed()).isTrue();
        assertThat(shown.getText()).isEqualTo(markup);
        assertThat(shown.findElements(By.xpath(".//*"))).as("elements inside the caption").isEmpty();
        assertLoaded(browser.findElement(By.cssSelector(
                "#gallery .generation[data-request-id='" + requestId + "'] img")), BaseModel.TINY.resolution());
        assertThat(script("return window.__xss;")).as("window.__xss").isNull();
        assertThat((Boolean) script("return [...document.querySelectorAll('img')]"
                + ".some(img => img.getAttribute('src') === 'x');")).as("an <img src=x> in the page").isFalse();
    }

    @Test
    void theGalleryShowsWhatAnotherClientDrew() {
        // given a picture drawn through the API with the tenant's key, as bin/sdtune --demo does
        GatewayClient client = PLATFORM.gateway();
        ObjectNode request = client.object().put("prompt", "drawn by another client")
                .put("num_inference_steps", 2).put("width", 64).put("height", 64).put("seed", 5);
        String requestId = client.generate(request);
        assertThat(client.awaitGeneration(requestId, TIMEOUT).path("state").asText()).isEqualTo("succeeded");

        // when the page is opened, then the gallery shows it, fetched with the key and shown from a blob
        openSignedIn();
        By galleryImage = By.cssSelector("#gallery img[title='drawn by another client']");
        until(() -> !browser.findElements(galleryImage).isEmpty(), "the image in the gallery");
        WebElement image = browser.findElement(galleryImage);
        assertThat(image.getDomAttribute("data-src")).isEqualTo("/api/images/" + requestId + "/0.png");
        assertLoaded(image, 64);
        assertThat(image.getDomAttribute("src")).startsWith("blob:");
    }

    @Test
    void hyperParametersThatAreNotJsonAreReportedNotSent() {
        openSignedIn();
        until(() -> !value("hyper-parameters").isBlank(), "the method's defaults filled in");

        replace("hyper-parameters", "{\"max_train_steps\": 6,");
        element("start-button").click();

        until(() -> element("problem").isDisplayed(), "the problem shown", Duration.ofSeconds(10));
        assertThat(text("problem")).startsWith("The hyper-parameters are not JSON: ");
        assertThat(text("job-id")).isEqualTo("none yet");
    }

    @Test
    void theKeyIsKeptForTheTabUntilSignOut() {
        openSignedIn();
        assertThat(script("return sessionStorage.length;")).isEqualTo(1L);
        assertThat(script("return localStorage.length;")).as("nothing in localStorage").isEqualTo(0L);
        assertThat(browser.manage().getCookies()).as("no cookie").isEmpty();
        assertThat(browser.getCurrentUrl()).doesNotContain(PLATFORM.apiKey());

        // a reload in the same tab stays signed in
        browser.navigate().refresh();
        until(() -> text("signed-in-as").equals("signed in as " + TENANT), "signed in again from the tab's key");
        assertThat(element("signin").isDisplayed()).isFalse();

        // signing out forgets the key: a reload asks for one
        element("signout-button").click();
        until(() -> element("signin").isDisplayed(), "the sign-in form");
        assertThat(element("app").isDisplayed()).isFalse();
        assertThat(script("return sessionStorage.length;")).isEqualTo(0L);
        browser.navigate().refresh();
        until(() -> element("signin").isDisplayed(), "the sign-in form after a reload");
        assertThat(element("signin-reason").isDisplayed()).isFalse();
    }

    @Test
    void aWrongKeyIsRefusedWithTheGatewaysReason() throws Exception {
        openSignedOut();

        // a key of the wrong shape is refused by the page, without a request
        element("api-key").sendKeys("not-a-key");
        element("signin-button").click();
        until(() -> element("signin-reason").isDisplayed(), "the reason shown", Duration.ofSeconds(10));
        assertThat(text("signin-reason")).startsWith("That is not an API key: ");

        // a well-formed key the platform does not know is refused by the gateway (401), with its reason
        HttpResponse<String> refused = whoami(UNKNOWN_KEY);
        assertThat(refused.statusCode()).isEqualTo(401);
        String detail = JSON.readTree(refused.body()).get("detail").asText();
        replace("api-key", UNKNOWN_KEY);
        element("signin-button").click();
        until(() -> text("signin-reason").equals("The key was refused: " + detail), "the gateway's reason shown");
        assertThat(element("app").isDisplayed()).isFalse();
        assertThat(script("return sessionStorage.length;")).as("the refused key not kept").isEqualTo(0L);
        assertOnlyRefusalsInTheConsole("/api/whoami");

        // a key refused during the session (revoked, say) signs the page out with the reason, on its next call
        openSignedIn();
        script("apiKey = arguments[0];", UNKNOWN_KEY);  // the page's key, as if revoked since it was checked
        element("refresh-gallery").click();
        until(() -> element("signin").isDisplayed(), "the sign-in form");
        assertThat(text("signin-reason")).isEqualTo("The key was refused: " + detail);
        assertThat(script("return sessionStorage.length;")).as("the key forgotten").isEqualTo(0L);
        assertThat(browser.findElements(By.cssSelector("#gallery *"))).as("the tenant's gallery cleared").isEmpty();
        assertOnlyRefusalsInTheConsole("/api/generations");
    }

    @Test
    void anImportThatIsNotAnAdapterIsRefusedWithTheReason() throws Exception {
        openSignedIn();
        until(() -> !value("hyper-parameters").isBlank(), "the page loaded");
        int adapters = api("/api/adapters").size();

        Path notWeights = TestDirectories.create("web-ui-import-").resolve("weights.safetensors");
        Files.writeString(notWeights, "not a safetensors file");
        element("import-file").sendKeys(notWeights.toString());
        new Select(element("import-kind")).selectByValue("LORA");
        replace("import-name", "<b>mine</b>");
        replace("import-tokens", "sks");
        element("import-button").click();

        until(() -> text("import-state").startsWith("refused: "), "the refusal shown");
        assertThat(text("import-state")).hasSizeGreaterThan("refused: ".length());
        assertThat(api("/api/adapters").size()).as("adapters").isEqualTo(adapters);
        assertOnlyRefusalsInTheConsole("/api/adapters");
    }

    // --- the page ---

    /**
     * Opens the page in a new tab, whose storage holds no key: the sign-in form. (Clearing the old tab's storage
     * would race with its page, which may store the key again as its own check of it returns.)
     */
    private static void openSignedOut() {
        String old = browser.getWindowHandle();
        browser.switchTo().newWindow(WindowType.TAB);
        String fresh = browser.getWindowHandle();
        browser.switchTo().window(old).close();
        browser.switchTo().window(fresh);
        browser.get(PLATFORM.platform().gateway().toString());
        until(() -> element("signin").isDisplayed(), "the sign-in form", Duration.ofSeconds(30));
        assertThat(element("app").isDisplayed()).as("the page before signing in").isFalse();
    }

    /** Opens the page and signs in with the platform's key, as a user types it. */
    private static void openSignedIn() {
        openSignedOut();
        element("api-key").sendKeys(PLATFORM.apiKey());
        element("signin-button").click();
        until(() -> text("signed-in-as").equals("signed in as " + TENANT), "signed in", Duration.ofSeconds(30));
        assertThat(value("api-key")).as("the key left in the form").isEmpty();
    }

    /** Waits for the generation started on the page to succeed; its request id. */
    private static String awaitGeneration() {
        until(() -> text("generation-state").matches("request .*: (succeeded|failed).*"), "the generation to end");
        assertThat(text("generation-state")).endsWith(": succeeded");
        String state = text("generation-state");
        return state.substring("request ".length(), state.indexOf(':'));
    }

    /** An image shown from a blob URL, loaded, at its size. */
    private static void assertLoaded(WebElement image, int size) {
        until(() -> (Boolean) script("const img = arguments[0];"
                + "return img.src.startsWith('blob:') && img.complete && img.naturalWidth > 0;", image), "the image loaded");
        assertThat(((Number) script("return arguments[0].naturalWidth;", image)).intValue()).isEqualTo(size);
        assertThat(((Number) script("return arguments[0].naturalHeight;", image)).intValue()).isEqualTo(size);
    }

    private static WebElement element(String id) {
        return browser.findElement(By.id(id));
    }

    private static String text(String id) {
        return element(id).getText().trim();
    }

    private static String value(String id) {
        return element(id).getDomProperty("value");
    }

    /** Selects what the field holds and types over it, as a user does. */
    private static void replace(String id, String typed) {
        WebElement field = element(id);
        field.clear();
        field.sendKeys(typed);
        assertThat(value(id)).as("#" + id + " after typing").isEqualTo(typed);
    }

    private static Object script(String script, Object... arguments) {
        return ((JavascriptExecutor) browser).executeScript(script, arguments);
    }

    private static void until(BooleanSupplier condition, String what) {
        until(condition, what, TIMEOUT);
    }

    private static void until(BooleanSupplier condition, String what, Duration timeout) {
        new WebDriverWait(browser, timeout, Duration.ofMillis(200))
                .withMessage("waiting " + timeout.toSeconds() + " s for " + what)
                .until(driver -> condition.getAsBoolean());
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;  // renamed from its .crdownload meanwhile
        }
    }

    // --- the API, as the tests check what the page did ---

    /** {@code GET path} with the platform's key: the JSON answer. */
    private static JsonNode api(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(get(path, PLATFORM.apiKey()), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET " + path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static int apiStatus(String path) throws IOException, InterruptedException {
        return HTTP.send(get(path, PLATFORM.apiKey()), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static HttpResponse<String> whoami(String key) throws IOException, InterruptedException {
        return HTTP.send(get("/api/whoami", key), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest get(String path, String key) {
        URI uri = PLATFORM.platform().gateway().resolve(path);
        return HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + key).GET().build();
    }

    // --- the console ---

    private static List<String> severeConsoleEntries() {
        return consoleEntries().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                .toList();
    }

    /**
     * A refusal the test asked for is logged by the browser as a failed request (SEVERE); these are read here, so
     * that {@link #noErrorsInTheConsole} sees what came after, and each must be a request to {@code path}.
     */
    private static void assertOnlyRefusalsInTheConsole(String path) {
        assertThat(severeConsoleEntries()).as("SEVERE entries in the browser's console")
                .allSatisfy(message -> assertThat(message).contains(path).contains("Failed to load resource"));
    }

    /** The console's entries since the last reading (reading takes them). */
    private static List<LogEntry> consoleEntries() {
        List<LogEntry> entries = browser.manage().logs().get(LogType.BROWSER).getAll();
        CONSOLE.addAll(entries);
        return entries;
    }

    /** Every console entry read so far, for the diagnosis of a failure. */
    private static final List<LogEntry> CONSOLE = new ArrayList<>();

    /** A screenshot, the page's source and the console, under target/failsafe-reports. */
    private static void saveDiagnosis(String test) {
        if (browser == null) {
            return;
        }
        try {
            Files.createDirectories(REPORTS);
            Path screenshot = REPORTS.resolve("WebUiIT-" + test + ".png");
            Files.write(screenshot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
            Files.writeString(REPORTS.resolve("WebUiIT-" + test + ".html"), browser.getPageSource());
            consoleEntries();
            Files.writeString(REPORTS.resolve("WebUiIT-" + test + "-console.txt"),
                    CONSOLE.stream().map(LogEntry::toString).collect(Collectors.joining("\n")));
            System.out.println("WebUiIT: screenshot, page source and console of the failure in " + REPORTS
                    + "; the services' logs under target/it/web-ui-*/logs");
        } catch (IOException | RuntimeException e) {
            System.out.println("WebUiIT: could not save the failure's screenshot and page: " + e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
