package io.sdtune.diffusion.training;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.pipeline.DiffusersFolder;
import io.sdtune.diffusion.pipeline.GeneratedImage;
import io.sdtune.diffusion.pipeline.GenerationParams;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.pipeline.TinyModel;
import io.sdtune.diffusion.pipeline.Txt2Img;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.weights.WeightSource;
import io.sdtune.diffusion.world.Judge;
import io.sdtune.diffusion.world.Scene;
import io.sdtune.diffusion.world.WorldDataset;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code sd pretrain}: the project's own text-to-image model, trained from random weights on the world of shapes
 * ({@link WorldDataset}), as latent diffusion is trained: first the VAE ({@link VaeTraining}), then the UNet and the
 * text encoder together on the frozen VAE's latents and the images' captions ({@link Trainer} with
 * {@link DreamBoothMethod} and {@code --train_text_encoder}: the whole UNet and text encoder), a tenth of the
 * captions empty so that guidance has an unconditional prediction. The result is a diffusers folder, reproducible
 * from its seed. Work files (the dataset, the model between the phases) go to {@code <output_dir>.work}, removed at
 * the end.
 */
public final class Pretraining {
    /** Share of captions left empty (diffusers' {@code --proportion_empty_prompts}), for classifier-free guidance. */
    static final double EMPTY_PROMPTS = 0.1;
    /** The VAE's KL weight: enough to keep the latents near N(0, I), small beside a flat image's reconstruction. */
    static final double KL_WEIGHT = 1e-4;

    /** What to train: the world's images at {@code resolution}, and each phase's steps, batch and learning rate. */
    public record Args(Path outputDir, int resolution, int numImages, int vaeSteps, int vaeBatchSize,
            double vaeLearningRate, int maxTrainSteps, int trainBatchSize, double learningRate, long seed, Device device) {
    }

    /** Each phase's losses, step by step. */
    public record Result(double[] vaeLosses, double[] unetLosses) {
    }

    /** Steps and guidance the evaluation draws with (DPM++ 2M). */
    static final int EVALUATION_STEPS = 25;
    static final double EVALUATION_GUIDANCE = 5;

    /**
     * The mean {@link Judge} score of {@code count} images the model at {@code modelDir} draws for random captions of
     * the world drawn from {@code seed} (give one the training's dataset did not use: its scenes are then, but for
     * chance, combinations the model never saw whole).
     */
    public static double evaluate(Path modelDir, int count, long seed, Device device) {
        SplittableRandom random = new SplittableRandom(seed);
        double total = 0;
        try (StableDiffusion model = StableDiffusion.load(modelDir); Txt2Img pipeline = new Txt2Img(model, device,
                DType.FLOAT32)) {
            int side = model.unetConfig().sampleSize() * model.vaeConfig().downscale();
            for (int i = 0; i < count; i++) {
                Scene scene = Scene.random(random);
                GenerationParams p = GenerationParams.of(scene.caption(), random.nextLong()).withSize(side, side)
                        .withSteps(EVALUATION_STEPS, "dpmpp_2m").withGuidanceScale(EVALUATION_GUIDANCE);
                GeneratedImage image = pipeline.generate(p, null).get(0);
                total += Judge.score(image.toBufferedImage(), scene).value();
            }
        }
        return total / count;
    }

    private Pretraining() {
    }

    public static Result run(Args a, TrainingListener listener, Consumer<String> progress) {
        Path work = a.outputDir().resolveSibling(a.outputDir().getFileName() + ".work");
        try {
            Path dataset = work.resolve("world");
            WorldDataset.write(dataset, a.numImages(), a.resolution(), a.seed());
            progress.accept("wrote " + a.numImages() + " images of the world to " + dataset);
            Path base = work.resolve("model");
            TinyModel.write(base, TinyModel.Architecture.WORLD, DType.FLOAT32, a.seed(), c -> { });
            double[] vaeLosses = trainVae(a, base, dataset);
            progress.accept(String.format("VAE: %d steps, loss %.5f -> %.5f", a.vaeSteps(), vaeLosses[0],
                    vaeLosses[vaeLosses.length - 1]));
            TrainingArgs args = TrainingArgs.builder(base, dataset, "", a.outputDir())
                    .resolution(a.resolution())
                    .crop(InstanceImages.Crop.CENTER)
                    .trainBatchSize(a.trainBatchSize())
                    .maxTrainSteps(a.maxTrainSteps())
                    .learningRate(a.learningRate())
                    .lrWarmupSteps(0)
                    .proportionEmptyPrompts(EMPTY_PROMPTS)
                    .checkpointingSteps(0)
                    .seed(a.seed())
                    .device(a.device())
                    .build();
            double[] unetLosses = new Trainer(args, new DreamBoothMethod(DType.FLOAT32, true)).run(listener);
            return new Result(vaeLosses, unetLosses);
        } finally {
            delete(work);
        }
    }

    /** Trains {@code base}'s VAE on the dataset's images and writes it back with its scaling factor. */
    private static double[] trainVae(Args a, Path base, Path dataset) {
        List<InstanceImages.Image> images = InstanceImages.load(dataset, a.resolution(), InstanceImages.Crop.CENTER,
                false).images();
        SplittableRandom random = new SplittableRandom(a.seed());
        try (StableDiffusion model = StableDiffusion.load(base)) {
            VaeTraining.Result vae = VaeTraining.train(model.vaeConfig(), key -> model.vae().get(key, DType.FLOAT32),
                    () -> images.get(random.nextInt(images.size())).pixels(), a.resolution(), a.vaeBatchSize(),
                    a.vaeSteps(), a.vaeLearningRate(), KL_WEIGHT, a.seed(), a.device());
            DiffusersFolder.write(base,
                    new DiffusersFolder.Component(model.unetConfig().toJson(), all(model.unet())),
                    new DiffusersFolder.Component(model.vaeConfig().withScalingFactor(vae.scalingFactor()).toJson(),
                            vae.weights()),
                    new DiffusersFolder.Component(model.textEncoderConfig().toJson(), all(model.textEncoder())),
                    model.schedulerConfig());
            return vae.losses();
        }
    }

    private static Map<String, TensorData> all(WeightSource source) {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        source.keys().forEach(k -> tensors.put(k, source.get(k).copy()));
        return tensors;
    }

    private static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }
}
