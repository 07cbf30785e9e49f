package io.sdtune.diffusion.pipeline;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.TensorData;
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

/**
 * Writes a Stable Diffusion pipeline in the diffusers folder layout: {@code model_index.json}, each
 * component's {@code config.json} and safetensors weights, the scheduler's config and the CLIP
 * tokenizer files. {@code diffusers.StableDiffusionPipeline.from_pretrained} and {@link StableDiffusion#load}
 * both read it.
 */
public final class DiffusersFolder {
    private static final String TOKENIZER_RESOURCES = "/io/sdtune/diffusion/tokenizer/clip/";
    private static final String MODEL_INDEX = """
            {
              "_class_name": "StableDiffusionPipeline",
              "_diffusers_version": "0.30.0",
              "feature_extractor": [null, null],
              "requires_safety_checker": false,
              "safety_checker": [null, null],
              "scheduler": ["diffusers", "%s"],
              "text_encoder": ["transformers", "CLIPTextModel"],
              "tokenizer": ["transformers", "CLIPTokenizer"],
              "unet": ["diffusers", "UNet2DConditionModel"],
              "vae": ["diffusers", "AutoencoderKL"]
            }
            """;

    /** A component: its config.json text and its weights by state-dict key. */
    public record Component(String configJson, Map<String, TensorData> weights) {

        /** This component with every weight in {@code dtype}, each a copy (the conversion scripts' {@code --half}). */
        public Component in(DType dtype) {
            Map<String, TensorData> converted = new LinkedHashMap<>();
            weights.forEach((key, t) -> converted.put(key, t.dtype() == dtype ? t.copy() : t.to(dtype)));
            return new Component(configJson, converted);
        }
    }

    private DiffusersFolder() {
    }

    public static void write(Path dir, Component unet, Component vae, Component textEncoder, SchedulerConfig scheduler) {
        try {
            for (String sub : List.of("unet", "vae", "text_encoder", "tokenizer", "scheduler")) {
                Files.createDirectories(dir.resolve(sub));
            }
            writeComponent(dir.resolve("unet"), "diffusion_pytorch_model.safetensors", unet);
            writeComponent(dir.resolve("vae"), "diffusion_pytorch_model.safetensors", vae);
            writeComponent(dir.resolve("text_encoder"), "model.safetensors", textEncoder);
            Files.writeString(dir.resolve("scheduler/scheduler_config.json"), scheduler.toJson());
            for (String file : List.of("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json")) {
                try (InputStream in = DiffusersFolder.class.getResourceAsStream(TOKENIZER_RESOURCES + file)) {
                    Files.copy(in, dir.resolve("tokenizer").resolve(file), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            // Written last: a folder without model_index.json is not a model yet.
            Files.writeString(dir.resolve("model_index.json"),
                    MODEL_INDEX.formatted(scheduler.className().orElse("PNDMScheduler")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model to " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void writeComponent(Path dir, String weightsFile, Component c) throws IOException {
        Files.writeString(dir.resolve("config.json"), c.configJson());
        SafeTensors.write(dir.resolve(weightsFile), c.weights(), Map.of("format", "pt"));
    }
}
