package io.sdtune.deploy;

import io.sdtune.deploy.demo.GatewayClient;
import io.sdtune.deploy.demo.SeedExperiment;
import io.sdtune.diffusion.benchmark.QualityBenchmark;
import io.sdtune.diffusion.cli.Flags;
import io.sdtune.diffusion.training.Pretraining;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code bin/sdtune}: the platform on its embedded default ({@link Platform}), serving until Ctrl-C; with
 * {@code --demo}, the seed's experiment run on it first ({@link SeedExperiment}).
 */
public final class Launcher {

    private Launcher() {
    }

    public static void main(String[] args) throws InterruptedException {
        Flags flags = new Flags("bin/sdtune")
                .option("port", "8080", "the gateway's HTTP port: web UI and REST API")
                .option("host", Platform.LOCALHOST, "the address the gateway listens on: " + Platform.LOCALHOST
                        + " serves this machine only, 0.0.0.0 every interface (other machines may then call it, with a key)")
                .option("api-keys", "", "a file of TENANT KEY lines, a tenant's API key per line (default: "
                        + "<data_dir>/api-keys, made at the first start with one key of the tenant local)")
                .option("data_dir", Path.of(System.getProperty("user.home"), ".sdtune").toString(),
                        "where the broker, the object store, caches and logs keep their files (kept between runs)")
                .option("device", "cpu", "where the trainer and generator run: cpu, cuda or cuda:N (cuda needs mvn -Pcuda)")
                .option("pretrained_model_name_or_path", "", "a diffusers model folder to serve as the base model, "
                        + "copied into the store once as models/<folder name>/ (default: the project's world-of-shapes model, "
                        + "models/world-of-shapes, trained by bin/sd pretrain)")
                .flag("demo", "run the seed's experiment once started: Textual Inversion, DreamBooth and LoRA taught "
                        + "<cat-toy>, then prompts placing it drawn with each (on the world-of-shapes model its concept "
                        + "from five captioned images, as sd benchmark --quality; on another model the article's "
                        + "cat-toy photos and prompts)")
                .option("max_train_steps", String.valueOf(QualityBenchmark.MAX_TRAIN_STEPS),
                        "--demo: training steps of each method (sd benchmark --quality's; the article: 400)")
                .option("num_inference_steps", String.valueOf(Pretraining.EVALUATION_STEPS),
                        "--demo: denoising steps of each image (the world's evaluation's; the article: 50)")
                .option("seed", "42", "--demo: seed of the sample images, trainings and drawings");
        PrintStream out = System.out;
        try {
            if (!flags.parseUnlessHelp(Arrays.asList(args), out)) {
                return;
            }
        } catch (Flags.UsageException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
        Platform.Options options;
        try {
            String model = flags.string("pretrained_model_name_or_path");
            String apiKeys = flags.string("api-keys");
            if (!apiKeys.isEmpty() && !Files.isReadable(Path.of(apiKeys))) {
                throw new IllegalArgumentException("--api-keys " + apiKeys + ": no such readable file");
            }
            Path home = Path.of(System.getProperty("sdtune.home", ".")).toAbsolutePath();
            options = new Platform.Options(home, Path.of(flags.string("data_dir")).toAbsolutePath(),
                    flags.integer("port"), flags.string("device"),
                    model.isEmpty() ? BaseModel.embeddedDefault(home) : BaseModel.of(Path.of(model)), flags.string("host"),
                    apiKeys.isEmpty() ? null : Path.of(apiKeys).toAbsolutePath());
        } catch (IllegalArgumentException e) {
            System.err.println("bin/sdtune: error: " + e.getMessage());
            System.exit(2);
            return;
        }
        // Read by logback.xml when the broker first logs.
        System.setProperty("sdtune.logs", options.logs().toString());
        Platform platform;
        try {
            platform = Platform.start(options, out::println);
        } catch (RuntimeException e) {
            System.err.println("sdtune: cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("Stopping sdtune");
            platform.close();
            stopped.countDown();
        }, "sdtune-shutdown"));
        out.println();
        out.println("sdtune is up. Web UI: " + platform.gateway().resolve("/")
                + "  (REST API under /api, OpenAPI at /q/openapi; Ctrl-C stops everything)");
        out.println(platform.localApiKey()
                .map(key -> "API key (tenant " + LocalApiKeys.TENANT + "): " + key + "  (kept in " + platform.apiKeys()
                        + "; the web UI asks for it once per tab; curl -H 'Authorization: Bearer " + key + "' ...)")
                .orElse("API keys: " + platform.apiKeys()));
        if (flags.isSet("demo")) {
            runDemo(platform, flags, out);
        }
        stopped.await();
    }

    private static void runDemo(Platform platform, Flags flags, PrintStream out) {
        BaseModel model = platform.baseModel();
        SeedExperiment.Settings settings = new SeedExperiment.Settings(flags.integer("max_train_steps"),
                model.resolution(), flags.integer("num_inference_steps"), Long.parseLong(flags.string("seed")),
                Duration.ofHours(2));
        out.println("Demo: the seed's experiment on " + model.id() + " (" + settings + ")");
        try {
            GatewayClient gateway = new GatewayClient(platform.gateway(), platform.localApiKey().orElseThrow(
                    () -> new IllegalStateException("--demo runs as the tenant local: " + platform.apiKeys() + " has no key of it")));
            SeedExperiment.Plan plan = model.isWorldOfShapes()
                    ? SeedExperiment.Plan.worldOfShapes(model.resolution(), settings.seed())
                    : SeedExperiment.Plan.article(settings.seed());
            List<SeedExperiment.Outcome> outcomes = new SeedExperiment(gateway, settings, plan, out).run();
            out.println("Demo done: " + outcomes.size() + " adapters, " + plan.prompts().size() * outcomes.size()
                    + " prompts drawn; the gallery is in the web UI: " + platform.gateway().resolve("/"));
        } catch (RuntimeException e) {
            out.println("Demo failed: " + e.getMessage());
        }
    }
}
