package io.sdtune.deploy;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.pipeline.TinyModel;
import io.sdtune.diffusion.world.Concept;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.ModelShelf;
import io.sdtune.storage.Shelf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The base model the embedded default serves: a diffusers folder ({@code --pretrained_model_name_or_path}),
 * by default the project's own model of the world of shapes ({@link #embeddedDefault}), or else {@link #TINY}, the
 * engine's tiny Stable Diffusion (SD 1.5's architecture and diffusers layout at CPU size, seeded random weights,
 * 64 px), which learns and draws in seconds on a CPU - its pictures are noise-like, since nothing trained it.
 * Published once into the store as {@code models/<id>/}; {@code resolution} is the size it trains and draws at (its
 * UNet's {@code sample_size} times the VAE's factor).
 *
 * @param folder the diffusers folder, or null for the tiny model (written when published)
 * @param examplePrompt the first example prompt of the folder's model card ({@link #examplePrompt(Path)}), or null
 * @param guidanceScale the guidance scale its card says it draws at ({@link #guidanceScale(Path)}), or null
 */
public record BaseModel(String id, int resolution, Path folder, String examplePrompt, Double guidanceScale) {
    public static final BaseModel TINY = new BaseModel("tiny-sd", 64, null, null, null);
    private static final long TINY_SEED = 7;

    /** Where {@code sdtune.home} keeps the project's own model of the world of shapes, trained by {@code sd pretrain}. */
    static final Path WORLD_OF_SHAPES = Path.of("models", "world-of-shapes");

    /**
     * What the embedded default serves without {@code --pretrained_model_name_or_path}: the world of shapes' model
     * shipped under {@code home}, which draws its captions' scenes, or the tiny random model where it is absent.
     */
    public static BaseModel embeddedDefault(Path home) {
        Path world = home.resolve(WORLD_OF_SHAPES);
        return Files.isDirectory(world) ? of(world) : TINY;
    }

    /** Whether this is the project's model of the world of shapes (by its folder's name, its id). */
    public boolean isWorldOfShapes() {
        return id.equals(WORLD_OF_SHAPES.getFileName().toString());
    }

    /**
     * The instance prompt forms suggest for DreamBooth and LoRA on this model: in the world's words on its model
     * ({@link Concept#INSTANCE_PROMPT}), none (the gateway's default) on others.
     */
    public String instancePrompt() {
        return isWorldOfShapes() ? Concept.INSTANCE_PROMPT : null;
    }

    /** A diffusers folder, read as the services will read it (a bad one fails here, with the reason). */
    public static BaseModel of(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException(folder + " is not a diffusers model folder (model_index.json, unet/, "
                    + "vae/, text_encoder/, tokenizer/, scheduler/); single-file checkpoints are for bin/sd");
        }
        try (StableDiffusion model = StableDiffusion.load(folder)) {
            String name = folder.toAbsolutePath().normalize().getFileName().toString();
            String id = name.replaceAll("[^A-Za-z0-9._-]", "-").replaceAll("^[^A-Za-z0-9]+", "");
            return new BaseModel(id.isEmpty() ? "base-model" : id,
                    model.unetConfig().sampleSize() * model.vaeConfig().downscale(), folder, examplePrompt(folder),
                    guidanceScale(folder));
        }
    }

    /**
     * The first example prompt of a model folder's card, as Hugging Face's model cards give them: the
     * {@code widget} entries' {@code text} in the YAML front matter of {@code README.md}; null where there is none.
     *
     * @throws IllegalArgumentException when the front matter is not YAML
     */
    static String examplePrompt(Path folder) {
        JsonNode prompt = cardMetadata(folder).path("widget").path(0).path("text");
        return prompt.isTextual() && !prompt.asText().isBlank() ? prompt.asText() : null;
    }

    /**
     * The guidance scale a model folder's card says to draw at, as Hugging Face's model cards give their inference
     * widget's settings: {@code inference.parameters.guidance_scale} in the front matter; null where there is none.
     *
     * @throws IllegalArgumentException when the front matter is not YAML
     */
    static Double guidanceScale(Path folder) {
        JsonNode scale = cardMetadata(folder).path("inference").path("parameters").path("guidance_scale");
        return scale.isNumber() ? scale.asDouble() : null;
    }

    /** The YAML front matter of a model folder's {@code README.md}, or a missing node where there is none. */
    private static JsonNode cardMetadata(Path folder) {
        Path card = folder.resolve("README.md");
        try {
            String text = Files.isRegularFile(card) ? Files.readString(card).replace("\r\n", "\n") : "";
            int end = text.indexOf("\n---", 4);
            if (!text.startsWith("---\n") || end < 0) {
                return MissingNode.getInstance();
            }
            JsonNode metadata = new YAMLMapper().readTree(text.substring(4, end));
            return metadata == null ? MissingNode.getInstance() : metadata;
        } catch (JacksonException e) {
            throw new IllegalArgumentException(card + ": the front matter is not YAML: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes it into the store unless one of its id is published already (a restart keeps the first). */
    void publishIfAbsent(ArtifactStore artifacts, Consumer<String> progress) throws IOException {
        ModelShelf models = new ModelShelf(artifacts);
        if (artifacts.manifest(Shelf.MODELS.at(id)).isPresent()) {
            return;
        }
        if (folder != null) {
            progress.accept("Copying the base model " + folder + " into the store as models/" + id + "/");
            models.publishIfAbsent(id, folder);
            return;
        }
        progress.accept("Writing the tiny base model " + id + " into the store");
        Path dir = Files.createTempDirectory(id);
        try {
            TinyModel.write(dir, TinyModel.Architecture.TINY, DType.FLOAT32, TINY_SEED, component -> { });
            models.publishIfAbsent(id, dir);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
