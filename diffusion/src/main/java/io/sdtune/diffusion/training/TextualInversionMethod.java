package io.sdtune.diffusion.training;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.clip.ClipTextModel;
import io.sdtune.diffusion.pipeline.Adapters;
import io.sdtune.diffusion.pipeline.GeneratedImage;
import io.sdtune.diffusion.pipeline.GenerationParams;
import io.sdtune.diffusion.pipeline.LoraStack;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.pipeline.Txt2Img;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.weights.TextualInversionFile;
import io.sdtune.diffusion.weights.SafeTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Textual Inversion as diffusers' {@code textual_inversion.py} does it: {@code num_vectors} new tokens
 * ({@code <tok>}, {@code <tok>_1}, ...) are added to the tokenizer, their embeddings start as the
 * initializer token's, and only those rows are trained, on captions drawn from the object or style
 * templates. The artifact is {@code learned_embeds.safetensors}: {@code {placeholder_token: [n, hidden]}}.
 */
public final class TextualInversionMethod implements TrainingMethod {
    public static final String ARTIFACT = "learned_embeds.safetensors";

    static final List<String> OBJECT_TEMPLATES = List.of("a photo of a {}", "a rendering of a {}",
            "a cropped photo of the {}", "the photo of a {}", "a photo of a clean {}", "a photo of a dirty {}",
            "a dark photo of the {}", "a photo of my {}", "a photo of the cool {}", "a close-up photo of a {}",
            "a bright photo of the {}", "a cropped photo of a {}", "a photo of the {}", "a good photo of the {}",
            "a photo of one {}", "a close-up photo of the {}", "a rendition of the {}", "a photo of the clean {}",
            "a rendition of a {}", "a photo of a nice {}", "a good photo of a {}", "a photo of the nice {}",
            "a photo of the small {}", "a photo of the weird {}", "a photo of the large {}", "a photo of a cool {}",
            "a photo of a small {}");
    static final List<String> STYLE_TEMPLATES = List.of("a painting in the style of {}",
            "a rendering in the style of {}", "a cropped painting in the style of {}", "the painting in the style of {}",
            "a clean painting in the style of {}", "a dirty painting in the style of {}",
            "a dark painting in the style of {}", "a picture in the style of {}", "a cool painting in the style of {}",
            "a close-up painting in the style of {}", "a bright painting in the style of {}",
            "a good painting in the style of {}", "a rendition in the style of {}", "a nice painting in the style of {}",
            "a small painting in the style of {}", "a weird painting in the style of {}",
            "a large painting in the style of {}");

    private final String placeholderToken;
    private final String initializerToken;
    private final int numVectors;
    private final List<String> templates;
    private final DType dtype;
    private final int saveSteps;
    private int initializerId = -1;
    private TensorData initializerRow;

    /** {@code learnableProperty}: "object" or "style". */
    public TextualInversionMethod(String placeholderToken, String initializerToken, int numVectors,
            String learnableProperty, DType dtype) {
        this(placeholderToken, initializerToken, numVectors, learnableProperty, dtype, 0);
    }

    /** With {@code saveSteps > 0}, also writes {@code learned_embeds-steps-N.safetensors} every that many steps. */
    public TextualInversionMethod(String placeholderToken, String initializerToken, int numVectors,
            String learnableProperty, DType dtype, int saveSteps) {
        this.saveSteps = saveSteps;
        if (numVectors < 1) {
            throw new IllegalArgumentException("num_vectors must be at least 1, got " + numVectors);
        }
        this.templates = switch (learnableProperty) {
            case "object" -> OBJECT_TEMPLATES;
            case "style" -> STYLE_TEMPLATES;
            default -> throw new IllegalArgumentException("learnable_property must be object or style, got '"
                    + learnableProperty + "'");
        };
        this.placeholderToken = placeholderToken;
        this.initializerToken = initializerToken;
        this.numVectors = numVectors;
        this.dtype = dtype;
    }

    /** The placeholder tokens: {@code <tok>}, then {@code <tok>_1} ... for more vectors. */
    public List<String> tokens() {
        List<String> tokens = new ArrayList<>(List.of(placeholderToken));
        for (int i = 1; i < numVectors; i++) {
            tokens.add(placeholderToken + "_" + i);
        }
        return tokens;
    }

    @Override
    public boolean takes8bitAdam() {
        return false;
    }

    @Override
    public void prepare(StableDiffusion model) {
        List<String> pieces = model.tokenizer().tokenize(initializerToken);
        if (pieces.size() != 1) {
            throw new IllegalArgumentException("The initializer token must be a single token: '" + initializerToken
                    + "' is " + pieces.size() + " tokens " + pieces);
        }
        initializerId = (int) model.tokenizer().encode(initializerToken).inputIds()[1];
        for (String token : tokens()) {
            if (model.tokenizer().contains(token)) {
                throw new IllegalArgumentException("The tokenizer already contains the token " + token
                        + ". Please pass a different placeholder_token that is not already in the tokenizer.");
            }
            model.tokenizer().addToken(token);
        }
        TensorData table = model.textEncoder().get("text_model.embeddings.token_embedding.weight");
        long hidden = table.shape().dim(1);
        initializerRow = TensorData.allocate(DType.FLOAT32, Shape.of(hidden));
        for (long j = 0; j < hidden; j++) {
            initializerRow.set(j, table.get(initializerId * hidden + j));
        }
    }

    @Override
    public String prompt(String instancePrompt, SplittableRandom random) {
        return templates.get(random.nextInt(templates.size())).replace("{}", String.join(" ", tokens()));
    }

    /**
     * The caption with its placeholder token standing for all of the token's vectors, as in the templates; a caption
     * without it would train nothing, since only the token's rows of the embedding are trained.
     */
    @Override
    public String caption(String caption) {
        if (!caption.contains(placeholderToken)) {
            throw new IllegalArgumentException("the caption '" + caption + "' does not hold the placeholder token "
                    + placeholderToken + ": Textual Inversion learns the token from captions that say it");
        }
        return caption.replace(placeholderToken, String.join(" ", tokens()));
    }

    @Override
    public Tensor encodePrompt(Graph g, StableDiffusion model, Tensor inputIds) {
        return new ClipTextModel(g, dtype, "text_encoder", model.textEncoderConfig(), numVectors).forward(inputIds);
    }

    /** Its new embeddings are rows of the text encoder's token embedding. */
    @Override
    public boolean trainsTextEncoder() {
        return true;
    }

    @Override
    public boolean trains(String weightName) {
        return weightName.equals("text_encoder." + ClipTextModel.ADDED_TOKENS);
    }

    @Override
    public Map<String, TensorData> initialValues(Graph g, SplittableRandom random) {
        Tensor rows = trainable(g).get(0);
        TensorData values = TensorData.allocate(rows.dtype(), rows.shape());
        long hidden = rows.shape().dim(1);
        for (long i = 0; i < rows.shape().size(); i++) {
            values.set(i, initializerRow.get(i % hidden));
        }
        return Map.of(rows.name(), values);
    }

    @Override
    public List<GeneratedImage> sample(Path saved, StableDiffusion model, GenerationParams params, Device device,
            DType runDtype) {
        Adapters adapters = new Adapters(LoraStack.none(), List.of(TextualInversionFile.read(saved.resolve(ARTIFACT))));
        try (Txt2Img pipeline = new Txt2Img(model, device, runDtype)) {
            return pipeline.generate(params, adapters, null);
        }
    }

    @Override
    public void afterStep(int step, Path outputDir, StableDiffusion model, Supplier<Map<String, TensorData>> trained) {
        if (saveSteps > 0 && step % saveSteps == 0) {
            write(outputDir.resolve("learned_embeds-steps-" + step + ".safetensors"), trained.get());
        }
    }

    @Override
    public void save(Path outputDir, StableDiffusion model, Map<String, TensorData> trained) {
        write(outputDir.resolve(ARTIFACT), trained);
    }

    private void write(Path file, Map<String, TensorData> trained) {
        try {
            Files.createDirectories(file.getParent());
            SafeTensors.write(file, Map.of(placeholderToken, trained.values().iterator().next()), Map.of("format", "pt"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
