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
import io.sdtune.diffusion.weights.SafeTensors;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Writes a Stable Diffusion model in the diffusers folder layout with seeded random weights: the
 * tiny configuration (SD 1.5's block types at a few channels, VAE factor 8, the real CLIP tokenizer;
 * runs on a CPU in seconds) or SD 1.5's full shapes (for speed and memory measurements). The files are
 * the ones a real SD 1.5 download has, loaded by the same code.
 */
public final class TinyModel {
    private static final String TOKENIZER_RESOURCES = "/io/sdtune/diffusion/tokenizer/clip/";

    static final String MODEL_INDEX = """
            {
              "_class_name": "StableDiffusionPipeline",
              "_diffusers_version": "0.30.0",
              "feature_extractor": [null, null],
              "requires_safety_checker": false,
              "safety_checker": [null, null],
              "scheduler": ["diffusers", "PNDMScheduler"],
              "text_encoder": ["transformers", "CLIPTextModel"],
              "tokenizer": ["transformers", "CLIPTokenizer"],
              "unet": ["diffusers", "UNet2DConditionModel"],
              "vae": ["diffusers", "AutoencoderKL"]
            }
            """;

    private TinyModel() {
    }

    /** Writes the model into {@code dir} (created if needed); {@code progress} hears each file written. */
    public static void write(Path dir, boolean sd15Shapes, DType dtype, long seed, Consumer<Path> progress) {
        ClipTextConfig text = sd15Shapes ? ClipTextConfig.sd15() : ClipTextConfig.tiny();
        UNet2DConditionConfig unet = sd15Shapes ? UNet2DConditionConfig.sd15() : UNet2DConditionConfig.tiny(text.hiddenSize());
        AutoencoderKLConfig vae = sd15Shapes ? AutoencoderKLConfig.sd15() : AutoencoderKLConfig.tiny();
        try {
            for (String sub : List.of("unet", "vae", "text_encoder", "tokenizer", "scheduler")) {
                Files.createDirectories(dir.resolve(sub));
            }
            Files.writeString(dir.resolve("model_index.json"), MODEL_INDEX);
            Files.writeString(dir.resolve("scheduler/scheduler_config.json"), SchedulerConfig.SD15_JSON);
            for (String file : List.of("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json")) {
                try (InputStream in = TinyModel.class.getResourceAsStream(TOKENIZER_RESOURCES + file)) {
                    Files.copy(in, dir.resolve("tokenizer").resolve(file), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.writeString(dir.resolve("unet/config.json"), unet.toJson());
            Files.writeString(dir.resolve("vae/config.json"), vae.toJson());
            Files.writeString(dir.resolve("text_encoder/config.json"), text.toJson());

            Graph u = Graph.create();
            new UNet2DConditionModel(u, dtype, "", unet);
            writeWeights(dir.resolve("unet/diffusion_pytorch_model.safetensors"), u, seed, progress);
            Graph v = Graph.create();
            new AutoencoderKL(v, dtype, "", vae);
            writeWeights(dir.resolve("vae/diffusion_pytorch_model.safetensors"), v, seed + 1, progress);
            Graph t = Graph.create();
            new ClipTextModel(t, dtype, "", text);
            writeWeights(dir.resolve("text_encoder/model.safetensors"), t, seed + 2, progress);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model to " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Norm scales near one and shifts near zero (1 + N(0, 0.1²) and N(0, 0.1²): not exactly 1 and 0, so
     * that a swapped or ignored scale would show); every other tensor N(0, 1/fan_in), small enough that
     * activations stay finite through SD 1.5's depth.
     */
    private static void writeWeights(Path file, Graph g, long seed, Consumer<Path> progress) throws IOException {
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
        SafeTensors.write(file, tensors, Map.of("format", "pt"));
        progress.accept(file);
    }

    private static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
