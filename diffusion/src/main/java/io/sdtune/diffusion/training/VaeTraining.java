package io.sdtune.diffusion.training;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Program;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.vae.AutoencoderKL;
import io.sdtune.diffusion.nn.vae.AutoencoderKLConfig;
import io.sdtune.diffusion.optim.TrainingSession;
import io.sdtune.diffusion.optim.TrainingStep;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.runtime.Session;
import io.sdtune.diffusion.scheduler.SeededNoise;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Trains a VAE ({@link AutoencoderKL}) on images, as the latent-diffusion paper's first stage: each step encodes a
 * batch, samples the posterior ({@code z = μ + σ ε}), decodes, and descends on the mean squared error of the
 * reconstruction plus {@code klWeight} times the mean KL divergence of the posterior from N(0, I) (the paper's
 * KL-regularized autoencoder; its perceptual and adversarial terms are left out: the world's images are flat
 * colours). The steps see random square crops of the images, as SD's VAE was trained at 256 px and serves 512: the
 * VAE is convolutional, and the number of steps, more than the pixels each sees, sets how sharp it becomes.
 * Afterwards the latents' scale: {@code scaling_factor = 1 / std} of the posterior means of whole images, as SD's
 * 0.18215 was chosen.
 */
public final class VaeTraining {

    /**
     * {@code steps} AdamW steps (learning rate {@code learningRate}, the scripts' defaults otherwise) of
     * {@code batchSize} random crops of {@code cropSize} pixels a side (a multiple of the VAE's downscale).
     */
    public record Args(int steps, int batchSize, int cropSize, double learningRate, double klWeight) {
    }

    /** The trained weights, each step's loss, and the scaling factor their latents take. */
    public record Result(Map<String, TensorData> weights, double[] losses, double scalingFactor) {
    }

    private VaeTraining() {
    }

    /**
     * Trains from {@code initial} weights on {@code images} ({@code [3, side, side]} each, in [-1, 1]); the crops and
     * the posterior's noise are drawn from {@code seed}.
     */
    public static Result train(AutoencoderKLConfig config, Function<String, TensorData> initial, List<float[]> images,
            int side, Args a, long seed, Device device) {
        SplittableRandom random = new SplittableRandom(seed);
        Fit fit = fit(config, initial, images, side, a, seed, random, device, name -> true);
        Shape whole = Shape.of(a.batchSize(), 3, side, side);
        return new Result(fit.weights(), fit.losses(), scalingFactor(config, fit.weights(),
                () -> images.get(random.nextInt(images.size())), whole, device));
    }

    /**
     * Trains the decoder alone ({@code decoder.*} and {@code post_quant_conv.*}), the encoder frozen: the latents,
     * and so a UNet trained on them, stay as they were while the images decoded from them sharpen, as Stability's
     * fine-tuned decoders for SD 1.x (sd-vae-ft-ema, sd-vae-ft-mse) were made. The scaling factor stays the config's.
     */
    public static Result trainDecoder(AutoencoderKLConfig config, Function<String, TensorData> initial,
            List<float[]> images, int side, Args a, long seed, Device device) {
        Fit fit = fit(config, initial, images, side, a, seed, new SplittableRandom(seed), device,
                name -> name.startsWith("decoder.") || name.startsWith("post_quant_conv."));
        return new Result(fit.weights(), fit.losses(), config.scalingFactor());
    }

    /** Every weight of the VAE (trained or as it was) and each step's loss. */
    private record Fit(Map<String, TensorData> weights, double[] losses) {
    }

    private static Fit fit(AutoencoderKLConfig config, Function<String, TensorData> initial, List<float[]> images,
            int side, Args a, long seed, SplittableRandom random, Device device, Predicate<String> trains) {
        if (a.cropSize() > side || a.cropSize() % config.downscale() != 0) {
            throw new IllegalArgumentException("the VAE's crop size must be a multiple of " + config.downscale()
                    + " no larger than the images' " + side + " pixels, got " + a.cropSize());
        }
        Graph g = Graph.create();
        Shape crops = Shape.of(a.batchSize(), 3, a.cropSize(), a.cropSize());
        int latentSide = a.cropSize() / config.downscale();
        Tensor x = g.input("pixels", DType.FLOAT32, crops);
        Tensor eps = g.input("eps", DType.FLOAT32, Shape.of(a.batchSize(), config.latentChannels(), latentSide,
                latentSide));
        AutoencoderKL vae = new AutoencoderKL(g, DType.FLOAT32, "", config);
        AutoencoderKL.Posterior p = vae.encode(x);
        Tensor z = p.mean().add(p.logvar().mul(0.5).exp().mul(eps));
        Tensor reconstruction = vae.decode(z).sub(x).square().mean();
        Tensor kl = p.mean().square().add(p.logvar().exp()).sub(p.logvar()).sub(1).mean().mul(0.5);
        Tensor loss = reconstruction.add(kl.mul(a.klWeight()));
        List<Tensor> trainable = g.weights().values().stream().filter(w -> trains.test(w.name())).toList();
        TrainingStep step = TrainingStep.build(loss, trainable, TrainingStep.Options.defaults());
        SeededNoise noise = new SeededNoise(seed);
        double[] losses = new double[a.steps()];
        Map<String, TensorData> weights = new LinkedHashMap<>();
        try (TrainingSession session = TrainingSession.create(step, initial, device)) {
            for (int s = 0; s < a.steps(); s++) {
                TensorData batch = batchOf(() -> crop(images.get(random.nextInt(images.size())), side, a.cropSize(),
                        random), crops);
                losses[s] = session.run(Map.of("pixels", batch, "eps", TensorData.of(
                        noise.standardNormal((int) eps.shape().size()), eps.shape().dims())), a.learningRate());
            }
            for (Tensor w : g.weights().values()) {
                weights.put(w.name(), trains.test(w.name()) ? session.parameter(w.name()) : initial.apply(w.name()));
            }
        }
        return new Fit(weights, losses);
    }

    /** A random {@code size}-pixel square of a {@code [3, side, side]} image. */
    static float[] crop(float[] image, int side, int size, SplittableRandom random) {
        if (size == side) {
            return image;
        }
        int left = random.nextInt(side - size + 1);
        int top = random.nextInt(side - size + 1);
        float[] crop = new float[3 * size * size];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < size; y++) {
                System.arraycopy(image, (c * side + top + y) * side + left, crop, (c * size + y) * size, size);
            }
        }
        return crop;
    }

    /** {@code 1 / std} of the posterior means of a few batches. */
    private static double scalingFactor(AutoencoderKLConfig config, Map<String, TensorData> weights,
            Supplier<float[]> images, Shape pixels, Device device) {
        Graph g = Graph.create();
        Tensor x = g.input("pixels", DType.FLOAT32, pixels);
        Tensor mean = new AutoencoderKL(g, DType.FLOAT32, "", config).encode(x).mean();
        double sum = 0;
        double squares = 0;
        long n = 0;
        try (Session encoder = Session.create(new Program(Map.of("pixels", x), Map.of("mean", mean)), weights::get,
                device)) {
            for (int b = 0; b < 4; b++) {
                for (float v : encoder.run(Map.of("pixels", batchOf(images, pixels))).get("mean").toFloatArray()) {
                    sum += v;
                    squares += (double) v * v;
                    n++;
                }
            }
        }
        double variance = squares / n - Math.pow(sum / n, 2);
        return 1 / Math.sqrt(Math.max(variance, 1e-12));
    }

    private static TensorData batchOf(Supplier<float[]> images, Shape shape) {
        TensorData t = TensorData.allocate(DType.FLOAT32, shape);
        int per = (int) (shape.size() / shape.dim(0));
        for (int i = 0; i < shape.dim(0); i++) {
            float[] image = images.get();
            if (image.length != per) {
                throw new IllegalArgumentException("an image of " + image.length + " values for a batch of " + shape);
            }
            t.data().asFloatBuffer().position(i * per).put(image);
        }
        return t;
    }
}
