package io.sdtune.diffusion.training;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.pipeline.GeneratedImage;
import io.sdtune.diffusion.pipeline.GenerationParams;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.pipeline.Txt2Img;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.scheduler.Schedulers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * DreamBooth's prior-preservation loss (Ruiz et al. 2022, eq. 2) as the diffusers scripts'
 * {@code --with_prior_preservation} adds it: every batch also holds as many images of the subject's class,
 * captioned {@code classPrompt}, and their denoising loss, weighted by {@code priorLossWeight}, is added
 * to the instance loss, so the model keeps drawing other members of the class.
 *
 * <p>The class images are the first {@code numClassImages} of {@code classDataDir}; when it holds fewer,
 * the missing ones are drawn from the base model before training, {@code sampleBatchSize} at a time.
 *
 * @param generationDtype the dtype the missing class images are generated in ({@code --prior_generation_precision})
 */
public record PriorPreservation(Path classDataDir, String classPrompt, int numClassImages, double priorLossWeight,
        int sampleBatchSize, DType generationDtype) {
    private static final System.Logger LOG = System.getLogger(PriorPreservation.class.getName());

    public PriorPreservation {
        if (classDataDir == null) {
            throw new IllegalArgumentException("You must specify a data directory for class images (class_data_dir).");
        }
        if (classPrompt == null || classPrompt.isBlank()) {
            throw new IllegalArgumentException("You must specify a prompt for class images (class_prompt).");
        }
        if (numClassImages < 1 || sampleBatchSize < 1) {
            throw new IllegalArgumentException("num_class_images and sample_batch_size must be at least 1, got "
                    + numClassImages + " and " + sampleBatchSize);
        }
        if (!(priorLossWeight >= 0)) {
            throw new IllegalArgumentException("prior_loss_weight must be >= 0, got " + priorLossWeight);
        }
    }

    /**
     * Generates the class images {@code classDataDir} lacks, as {@code class-<i>.png} with their
     * parameters, at the training resolution with the model's default scheduler and 50 steps (the
     * pipeline's defaults); image i is drawn from seed {@code seed + i}, so a rerun completes the same set.
     * Returns how many were generated.
     */
    public int generateMissing(StableDiffusion model, int resolution, long seed, Device device) {
        int existing = InstanceImages.count(classDataDir);
        int missing = numClassImages - existing;
        if (missing <= 0) {
            return 0;
        }
        LOG.log(System.Logger.Level.INFO, "generating " + missing + " class images of '" + classPrompt + "' into "
                + classDataDir);
        try {
            Files.createDirectories(classDataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + classDataDir + ": " + e.getMessage(), e);
        }
        String scheduler = Schedulers.defaultName(model.schedulerConfig());
        try (Txt2Img pipeline = new Txt2Img(model, device, generationDtype)) {
            for (int first = existing; first < numClassImages; first += sampleBatchSize) {
                int count = Math.min(sampleBatchSize, numClassImages - first);
                List<GeneratedImage> images = pipeline.generate(new GenerationParams(classPrompt, "", 50, 7.5, scheduler,
                        seed + first, resolution, resolution, count, null), null);
                for (int i = 0; i < count; i++) {
                    images.get(i).save(classDataDir.resolve("class-" + (first + i) + ".png"));
                }
            }
        }
        return missing;
    }
}
