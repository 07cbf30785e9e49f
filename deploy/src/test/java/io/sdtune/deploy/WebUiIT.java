package io.sdtune.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sdtune.deploy.demo.GatewayClient;
import io.sdtune.deploy.demo.GatewayClient.NamedImage;
import io.sdtune.deploy.demo.SampleImages;
import java.io.File;
import java.io.IOException;
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
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web UI as a user drives it, in Debian's headless chromium: upload images, train a LoRA with a few steps,
 * watch its progress, then draw with the new adapter and see the picture in the gallery - against the whole
 * platform as {@code bin/sdtune} runs it.
 */
class WebUiIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    private static final Path REPORTS = Path.of(System.getProperty("basedir", "."), "target", "failsafe-reports");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path dataDir;
    private static Platform platform;
    private static Path userDataDir;
    private static ChromeDriverService driverService;
    private static WebDriver browser;

    @RegisterExtension
    static final TestWatcher DIAGNOSIS = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            saveDiagnosis(context.getRequiredTestMethod().getName());
        }
    };

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            fail("WebUiIT drives Debian's chromium through Debian's chromedriver, and " + CHROMIUM + " or "
                    + CHROMEDRIVER + " is missing: install them with `apt-get install chromium chromium-driver` "
                    + "(deploy/src/test/browser/install-chromium.sh, run by `mvn verify`, does it)");
        }
        Path home = Path.of(System.getProperty("sdtune.home", "..")).toAbsolutePath();
        dataDir = TestDirectories.create("web-ui-");
        platform = Platform.start(new Platform.Options(home, dataDir, Platform.freePort(), "cpu", BaseModel.TINY), System.out::println);
        browser = startChromium();
    }

    /** Debian's chromium and chromedriver named explicitly, so Selenium Manager neither looks for nor downloads any. */
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
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        return new ChromeDriver(driverService, options);
    }

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
            if (platform != null) {
                platform.close();
            }
            if (userDataDir != null) {
                deleteRecursively(userDataDir);
            }
        }
    }

    /** A script error or a failed request shows in the console; none is expected. */
    @AfterEach
    void noErrorsInTheConsole() {
        List<String> errors = consoleEntries().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                .toList();
        assertThat(errors).as("SEVERE entries in the browser's console").isEmpty();
    }

    @Test
    void aUserTrainsALoraAndDrawsWithIt() throws Exception {
        browser.get(platform.gateway().toString());

        // Given a few images of the toy, uploaded through the page's file input
        List<String> files = new ArrayList<>();
        Path images = TestDirectories.create("web-ui-images-");
        for (NamedImage image : SampleImages.catToy(3, 11)) {
            files.add(Files.write(images.resolve(image.fileName()), image.bytes()).toString());
        }
        element("files").sendKeys(String.join("\n", files));
        element("upload-button").click();
        until(() -> !text("dataset-id").equals("none yet"), "the dataset's id shown");

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

        // then the job is watched on the page until it succeeds: state, progress bar, loss curve
        until(() -> !text("job-id").equals("none yet"), "the job's id shown");
        Set<String> states = new LinkedHashSet<>();
        until(() -> {
            states.add(text("job-state").replaceAll(" - adapter .*", ""));
            return text("job-state").startsWith("succeeded") || text("job-state").startsWith("failed");
        }, "the job to end");
        System.out.println("WebUiIT: job states seen " + states);
        assertThat(text("job-state")).startsWith("succeeded - adapter ");
        assertThat(Double.parseDouble(value("progress"))).isEqualTo(1.0);
        assertThat(text("progress-text")).startsWith("step 6/6, loss ");
        assertThat((Boolean) script("const c = arguments[0];"
                + "return c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v !== 0);",
                element("loss"))).as("the loss curve drawn").isTrue();

        // and the validation prompt drawn at the last step is shown
        By validationImage = By.cssSelector("#validation img");
        until(() -> !browser.findElements(validationImage).isEmpty(), "the validation image");
        assertThat(text("validation")).startsWith("step 6:");
        assertLoaded(browser.findElement(validationImage), BaseModel.TINY.resolution());

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
        until(() -> text("generation-state").matches("request .*: (succeeded|failed).*"), "the generation to end");
        assertThat(text("generation-state")).endsWith(": succeeded");
        By galleryImage = By.cssSelector("#gallery img[title='A <cat-toy> backpack']");
        until(() -> !browser.findElements(galleryImage).isEmpty(), "the image in the gallery");
        assertLoaded(browser.findElement(galleryImage), BaseModel.TINY.resolution());
    }

    private static void assertLoaded(WebElement image, int size) {
        until(() -> (Boolean) script("return arguments[0].complete;", image), "the image loaded");
        assertThat(((Number) script("return arguments[0].naturalWidth;", image)).intValue()).isEqualTo(size);
        assertThat(((Number) script("return arguments[0].naturalHeight;", image)).intValue()).isEqualTo(size);
    }

    @Test
    void theGalleryShowsWhatAnotherClientDrew() {
        // given a picture drawn through the API, as bin/sdtune --demo does
        GatewayClient client = new GatewayClient(platform.gateway(), platform.localApiKey().orElseThrow());
        ObjectNode request = client.object().put("prompt", "drawn by another client")
                .put("num_inference_steps", 2).put("width", 64).put("height", 64).put("seed", 5);
        String requestId = client.generate(request);
        assertThat(client.awaitGeneration(requestId, TIMEOUT).path("state").asText()).isEqualTo("succeeded");

        // when the page is opened, then the gallery shows it, loaded
        browser.get(platform.gateway().toString());
        By galleryImage = By.cssSelector("#gallery img[title='drawn by another client']");
        until(() -> !browser.findElements(galleryImage).isEmpty(), "the image in the gallery");
        WebElement image = browser.findElement(galleryImage);
        assertThat(image.getDomAttribute("src")).isEqualTo("/api/images/" + requestId + "/0.png");
        until(() -> (Boolean) script("return arguments[0].complete;", image), "the image loaded");
        assertThat(((Number) script("return arguments[0].naturalWidth;", image)).intValue()).isEqualTo(64);
    }

    @Test
    void hyperParametersThatAreNotJsonAreReportedNotSent() {
        browser.get(platform.gateway().toString());
        until(() -> !value("hyper-parameters").isBlank(), "the method's defaults filled in");

        replace("hyper-parameters", "{\"max_train_steps\": 6,");
        element("start-button").click();

        until(() -> element("problem").isDisplayed(), "the problem shown", Duration.ofSeconds(10));
        assertThat(text("problem")).startsWith("The hyper-parameters are not JSON: ");
        assertThat(text("job-id")).isEqualTo("none yet");
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
                    + "; the services' logs in " + dataDir.resolve("logs"));
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
