package io.sdtune.diffusion.pipeline;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.clip.ClipTextConfig;
import io.sdtune.diffusion.nn.clip.ClipTextModel;
import io.sdtune.diffusion.nn.unet.UNet2DConditionConfig;
import io.sdtune.diffusion.nn.unet.UNet2DConditionModel;
import io.sdtune.diffusion.nn.vae.AutoencoderKL;
import io.sdtune.diffusion.nn.vae.AutoencoderKLConfig;
import io.sdtune.diffusion.scheduler.SchedulerConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Writes a Stable Diffusion model in the diffusers folder layout with seeded random weights, of one of the
 * {@link Architecture}s: tiny ones (a few channels, VAE factor 8, the real CLIP tokenizer; run on a CPU in seconds)
 * or the full shapes of SD 1.5 or 2.1 (for speed and memory measurements). The files are the ones a real download
 * has, loaded by the same code.
 */
public final class TinyModel {

    /** What is written. */
    public enum Architecture {
        /** SD 1.5's block types at a few channels. */
        TINY,
        /** SD 1.5's full shapes (860M-parameter UNet). */
        SD15,
        /**
         * The tiny layout with SD 2.1's features: v-prediction (DDIM), linear projections, a head count per block,
         * upcast attention, a gelu text encoder.
         */
        TINY_SD2,
        /** SD 2.1's full shapes (the 768 px v-prediction model; OpenCLIP ViT-H text encoder as diffusers keeps it). */
        SD21,
        /** The world of shapes' model before {@code sd pretrain} trains it: 64 px, factor-4 VAE. */
        WORLD
    }

    private TinyModel() {
    }

    /** Writes the model into {@code dir} (created if needed); {@code progress} hears each component generated. */
    public static void write(Path dir, Architecture architecture, DType dtype, long seed, Consumer<String> progress) {
        ClipTextConfig text = switch (architecture) {
            case TINY -> ClipTextConfig.tiny();
            case SD15 -> ClipTextConfig.sd15();
            case TINY_SD2 -> ClipTextConfig.tinySd2();
            case SD21 -> ClipTextConfig.sd2();
            case WORLD -> ClipTextConfig.world();
        };
        UNet2DConditionConfig unet = switch (architecture) {
            case TINY -> UNet2DConditionConfig.tiny(text.hiddenSize());
            case SD15 -> UNet2DConditionConfig.sd15();
            case TINY_SD2 -> UNet2DConditionConfig.tinySd2(text.hiddenSize());
            case SD21 -> UNet2DConditionConfig.sd21();
            case WORLD -> UNet2DConditionConfig.world(text.hiddenSize());
        };
        AutoencoderKLConfig vae = switch (architecture) {
            case TINY, TINY_SD2 -> AutoencoderKLConfig.tiny();
            case SD15, SD21 -> AutoencoderKLConfig.sd15();
            case WORLD -> AutoencoderKLConfig.world();
        };
        Graph u = Graph.create();
        new UNet2DConditionModel(u, dtype, "", unet);
        Graph v = Graph.create();
        new AutoencoderKL(v, dtype, "", vae);
        Graph t = Graph.create();
        new ClipTextModel(t, dtype, "", text);
        DiffusersFolder.write(dir,
                new DiffusersFolder.Component(unet.toJson(), randomWeights(u, seed, "unet", progress)),
                new DiffusersFolder.Component(vae.toJson(), randomWeights(v, seed + 1, "vae", progress)),
                new DiffusersFolder.Component(text.toJson(), randomWeights(t, seed + 2, "text_encoder", progress)),
                switch (architecture) {
                    case TINY_SD2, SD21 -> SchedulerConfig.sd21();
                    case WORLD -> SchedulerConfig.world();
                    case TINY, SD15 -> SchedulerConfig.sd15();
                });
    }

    /**
     * Norm scales near one and shifts near zero (1 + N(0, 0.1²) and N(0, 0.1²): not exactly 1 and 0, so
     * that a swapped or ignored scale would show); every other tensor N(0, 1/fan_in), small enough that
     * activations stay finite through SD 1.5's depth.
     */
    private static Map<String, TensorData> randomWeights(Graph g, long seed, String component, Consumer<String> progress) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (Tensor w : g.weights().values()) {
            TensorData d = TensorData.allocate(w.dtype(), w.shape());
            boolean norm = w.name().contains("norm");
            long fanIn = w.rank() > 1 ? w.shape().size() / w.shape().dim(0) : 1;
            double std = w.rank() > 1 ? 1 / Math.sqrt(fanIn) : 0.02;
            for (long i = 0; i < d.size(); i++) {
                double r = gaussian(random);
                d.set(i, norm ? (w.name().endsWith("weight") ? 1 : 0) + 0.1 * r : r * std);
            }
            tensors.put(w.name(), d);
        }
        progress.accept(component);
        return tensors;
    }

    private static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
