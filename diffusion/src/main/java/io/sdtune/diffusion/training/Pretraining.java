package io.sdtune.diffusion.training;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.vae.AutoencoderKLConfig;
import io.sdtune.diffusion.pipeline.DiffusersFolder;
import io.sdtune.diffusion.pipeline.GenerationParams;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.pipeline.TinyModel;
import io.sdtune.diffusion.pipeline.Txt2Img;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.world.Judge;
import io.sdtune.diffusion.world.Scene;
import io.sdtune.diffusion.world.WorldDataset;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code sd pretrain}: the project's own text-to-image model, trained from random weights on the world of shapes
 * ({@link WorldDataset}), as latent diffusion is trained: first the VAE ({@link VaeTraining}), then the UNet and the
 * text encoder together on the frozen VAE's latents and the images' captions, varied as people write prompts
 * ({@link io.sdtune.diffusion.world.VariedCaptions}; {@link Trainer} with
 * {@link DreamBoothMethod} and {@code --train_text_encoder}: the whole UNet and text encoder), a tenth of the
 * captions empty so that guidance has an unconditional prediction. The result is a diffusers folder, reproducible
 * from its seed. Work files (the dataset, the model between the phases) go to {@code <output_dir>.work}, removed at
 * the end.
 */
public final class Pretraining {
    /** Share of captions left empty (diffusers' {@code --proportion_empty_prompts}), for classifier-free guidance. */
    static final double EMPTY_PROMPTS = 0.1;
    /** The VAE's KL weight: enough to keep the latents near N(0, I), small beside a flat image's reconstruction. */
    public static final double KL_WEIGHT = 1e-4;

    /**
     * What to train: {@code numImages} images of the world at {@code resolution}; the VAE phase; the UNet and text
     * encoder phase, with diffusers' {@code train_text_to_image.py} hyper-parameters (its flag names); whether the
     * written model's weights are float16 ({@code half}, as the conversion scripts' {@code --half}).
     */
    public record Args(Path outputDir, int resolution, int numImages, VaeTraining.Args vae, DiffusionPhase diffusion,
            boolean half, long seed, Device device) {
    }

    /** The UNet and text encoder phase: its steps and batch, AdamW's learning rate and schedule, Min-SNR weighting. */
    public record DiffusionPhase(int maxTrainSteps, int trainBatchSize, double learningRate, String lrScheduler,
            int lrWarmupSteps, double snrGamma) {
    }

    /**
     * A fine-tuning of {@code model}'s VAE decoder ({@link VaeTraining#trainDecoder}) on {@code numImages} images of
     * the world drawn from {@code seed}, the model written to {@code outputDir} with the new decoder.
     */
    public record DecoderArgs(Path model, Path outputDir, int numImages, VaeTraining.Args vae, boolean half,
            long seed, Device device) {
    }

    /** Each phase's losses, step by step. */
    public record Result(double[] vaeLosses, double[] unetLosses) {
    }

    /**
     * Steps and guidance the evaluation draws with (DPM++ 2M). Guidance 3, not Stable Diffusion's usual 7.5: the
     * world's model drifts colours as guidance grows, and on the shipped model 3 scored 0.468 against held-out captions
     * where 5 scored 0.384 and 2 0.461 (BENCHMARKS.md, ninth session).
     */
    public static final int EVALUATION_STEPS = 25;
    public static final double EVALUATION_GUIDANCE = 3;

    /**
     * How far a model follows captions: the {@link Judge}'s mean score of its images against their own captions,
     * and against the next image's caption, the level of a model that ignores its captions (for the world's own
     * drawings 0.28: backgrounds and figures agree by chance).
     */
    public record Evaluation(int images, double score, double otherCaptionScore) {
    }

    /**
     * Draws {@code count} random captions of the world drawn from {@code seed} (give one the training's dataset did
     * not use: its scenes are then, but for chance, combinations the model never saw whole) and judges the images.
     */
    public static Evaluation evaluate(Path modelDir, int count, long seed, Device device) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Scene> scenes = new ArrayList<>();
        List<BufferedImage> images = new ArrayList<>();
        try (StableDiffusion model = StableDiffusion.load(modelDir); Txt2Img pipeline = new Txt2Img(model, device,
                DType.FLOAT32)) {
            int side = model.unetConfig().sampleSize() * model.vaeConfig().downscale();
            for (int i = 0; i < count; i++) {
                Scene scene = Scene.random(random);
                GenerationParams p = GenerationParams.of(scene.caption(), random.nextLong()).withSize(side, side)
                        .withSteps(EVALUATION_STEPS, "dpmpp_2m").withGuidanceScale(EVALUATION_GUIDANCE);
                scenes.add(scene);
                images.add(pipeline.generate(p, null).get(0).toBufferedImage());
            }
        }
        double own = 0;
        double other = 0;
        for (int i = 0; i < count; i++) {
            own += Judge.score(images.get(i), scenes.get(i)).value();
            other += Judge.score(images.get(i), scenes.get((i + 1) % count)).value();
        }
        return new Evaluation(count, own / count, other / count);
    }

    private Pretraining() {
    }

    public static Result run(Args a, TrainingListener listener, Consumer<String> progress) {
        Path work = a.outputDir().resolveSibling(a.outputDir().getFileName() + ".work");
        try {
            Path dataset = work.resolve("world");
            WorldDataset.write(dataset, a.numImages(), a.resolution(), a.seed(), WorldDataset.Captions.VARIED);
            progress.accept("wrote " + a.numImages() + " images of the world to " + dataset);
            Path base = work.resolve("model");
            TinyModel.write(base, TinyModel.Architecture.WORLD, DType.FLOAT32, a.seed(), c -> { });
            double[] vaeLosses = trainVae(a, base, dataset);
            progress.accept(String.format("VAE: %d steps, loss %.5f -> %.5f", a.vae().steps(), vaeLosses[0],
                    vaeLosses[vaeLosses.length - 1]));
            DiffusionPhase d = a.diffusion();
            TrainingArgs args = TrainingArgs.builder(base, dataset, "", a.outputDir())
                    .resolution(a.resolution())
                    .crop(InstanceImages.Crop.CENTER)
                    .trainBatchSize(d.trainBatchSize())
                    .maxTrainSteps(d.maxTrainSteps())
                    .learningRate(d.learningRate())
                    .lrScheduler(d.lrScheduler())
                    .lrWarmupSteps(d.lrWarmupSteps())
                    .snrGamma(d.snrGamma())
                    .proportionEmptyPrompts(EMPTY_PROMPTS)
                    .checkpointingSteps(0)
                    .seed(a.seed())
                    .device(a.device())
                    .build();
            double[] unetLosses = new Trainer(args, new DreamBoothMethod(DType.FLOAT32, true)).run(listener);
            if (a.half()) {
                rewrite(a.outputDir(), DType.FLOAT16);
            }
            return new Result(vaeLosses, unetLosses);
        } finally {
            delete(work);
        }
    }

    /**
     * Fine-tunes the decoder of a world model's VAE on the world's images, its encoder, UNet and text encoder as they
     * were: a VAE trained for few steps (the pretraining's default) draws what the UNet asks for blurred and off
     * colour, and retraining it whole would move the latents the UNet was trained on. Returns each step's loss.
     */
    public static double[] trainVaeDecoder(DecoderArgs a, Consumer<String> progress) {
        Path work = a.outputDir().resolveSibling(a.outputDir().getFileName() + ".work");
        try (StableDiffusion model = StableDiffusion.load(a.model())) {
            int side = model.unetConfig().sampleSize() * model.vaeConfig().downscale();
            Path dataset = work.resolve("world");
            WorldDataset.write(dataset, a.numImages(), side, a.seed(), WorldDataset.Captions.WHOLE);
            progress.accept("wrote " + a.numImages() + " images of the world to " + dataset);
            VaeTraining.Result vae = VaeTraining.trainDecoder(model.vaeConfig(),
                    key -> model.vae().get(key, DType.FLOAT32), images(dataset, side), side, a.vae(), a.seed(),
                    a.device());
            write(a.outputDir(), model, model.vaeConfig(), vae.weights(), a.half() ? DType.FLOAT16 : DType.FLOAT32);
            return vae.losses();
        } finally {
            delete(work);
        }
    }

    /** Trains {@code base}'s VAE on the dataset's images and writes it back with its scaling factor. */
    private static double[] trainVae(Args a, Path base, Path dataset) {
        try (StableDiffusion model = StableDiffusion.load(base)) {
            VaeTraining.Result vae = VaeTraining.train(model.vaeConfig(), key -> model.vae().get(key, DType.FLOAT32),
                    images(dataset, a.resolution()), a.resolution(), a.vae(), a.seed(), a.device());
            write(base, model, model.vaeConfig().withScalingFactor(vae.scalingFactor()), vae.weights(), DType.FLOAT32);
            return vae.losses();
        }
    }

    /** The dataset's images, {@code [3, side, side]} each in [-1, 1]. */
    private static List<float[]> images(Path dataset, int side) {
        return InstanceImages.load(dataset, side, InstanceImages.Crop.CENTER, false).images().stream()
                .map(InstanceImages.Image::pixels).toList();
    }

    /** Rewrites the model at {@code dir} with its floating-point weights in {@code dtype}. */
    private static void rewrite(Path dir, DType dtype) {
        try (StableDiffusion model = StableDiffusion.load(dir)) {
            write(dir, model, model.vaeConfig(), model.vae().all(), dtype);
        }
    }

    /** Writes {@code model} to {@code dir} with the VAE given, every tensor in {@code dtype}. */
    private static void write(Path dir, StableDiffusion model, AutoencoderKLConfig vaeConfig,
            Map<String, TensorData> vae, DType dtype) {
        DiffusersFolder.write(dir,
                new DiffusersFolder.Component(model.unetConfig().toJson(), model.unet().all()).in(dtype),
                new DiffusersFolder.Component(vaeConfig.toJson(), vae).in(dtype),
                new DiffusersFolder.Component(model.textEncoderConfig().toJson(), model.textEncoder().all()).in(dtype),
                model.schedulerConfig());
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
