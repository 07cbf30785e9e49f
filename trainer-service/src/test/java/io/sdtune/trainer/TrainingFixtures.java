package io.sdtune.trainer;

import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.json.JsonCodec;
import io.sdtune.contracts.training.HyperParameters;
import io.sdtune.contracts.training.TrainingMethod;
import io.sdtune.contracts.training.TrainingRequest;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.pipeline.TinyModel;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.training.ImageCaptions;
import io.sdtune.diffusion.training.Trainer;
import io.sdtune.storage.ArtifactCache;
import io.sdtune.storage.ArtifactFile;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.Shelf;
import io.sdtune.storage.StoredFile;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/** What a user would have uploaded before asking for training: the tiny base model and a few images. */
final class TrainingFixtures {
    static final String BASE_MODEL = "tiny-sd";
    /** The tenant of the tests' datasets and jobs. */
    static final String TENANT = "tenant-a";

    private TrainingFixtures() {
    }

    /** The tiny model (64 px, seconds per job on a CPU) under {@code models/tiny-sd/}, once per store. */
    static synchronized void publishBaseModel(ArtifactStore artifacts) throws IOException {
        if (artifacts.manifest(Shelf.MODELS.at(BASE_MODEL)).isPresent()) {
            return;
        }
        Path dir = Files.createTempDirectory("tiny-sd");
        TinyModel.write(dir, TinyModel.Architecture.TINY, DType.FLOAT32, 7, component -> { });
        artifacts.publish(Shelf.MODELS.at(BASE_MODEL), "BASE_MODEL", ArtifactFile.allIn(dir), Map.of());
    }

    /** A dataset of three 64 px PNGs of coloured blocks under {@code tenants/<TENANT>/datasets/<id>/}; returns its images. */
    static List<StoredObject> publishDataset(ArtifactStore artifacts, String datasetId) throws IOException {
        return publishDataset(artifacts, datasetId, List.of());
    }

    /**
     * The same, the images captioned in order by {@code captions} in the dataset's {@code metadata.jsonl}, as the
     * gateway stores captions; its files, the captions last when there are any.
     */
    static List<StoredObject> publishDataset(ArtifactStore artifacts, String datasetId, List<String> captions)
            throws IOException {
        List<ArtifactFile> files = new ArrayList<>();
        Map<String, String> byImage = new LinkedHashMap<>();
        SplittableRandom random = new SplittableRandom(datasetId.hashCode());
        for (int i = 0; i < 3; i++) {
            files.add(ArtifactFile.of("img-" + i + ".png", png(random)));
            if (i < captions.size()) {
                byImage.put("img-" + i + ".png", captions.get(i));
            }
        }
        if (!byImage.isEmpty()) {
            files.add(ArtifactFile.of(ImageCaptions.METADATA,
                    ImageCaptions.toMetadata(byImage).getBytes(StandardCharsets.UTF_8)));
        }
        return artifacts.publish(Shelf.DATASETS.at(TENANT, datasetId), "DATASET", files, Map.of()).files().stream()
                .map(StoredFile::asStoredObject).toList();
    }

    /**
     * What a trainer that stopped after the request's steps leaves in the store: the engine run on the
     * request as JobRunner runs it, its last checkpoint stored as the job's.
     */
    static void storeCheckpoint(ArtifactStore artifacts, ArtifactCache models, TrainingRequest request)
            throws IOException {
        Path jobs = Files.createTempDirectory("stopped-trainer");
        try (JobWorkspace workspace = JobWorkspace.create(jobs, request.jobId())) {
            List<StoredObject> images = request.images();
            for (int i = 0; i < images.size(); i++) {
                StoredObject image = images.get(i);
                String name = image.key().substring(image.key().lastIndexOf('/') + 1);
                artifacts.objects().download(new StoredFile(image.key(), image.sha256(), image.sizeBytes()),
                        workspace.images().resolve(String.format("%03d-%s", i, name)));
            }
            EngineSetup setup = EngineSetup.of(request, models.fetch(Shelf.MODELS.at(request.baseModelId())), workspace,
                    Device.CPU);
            new Trainer(setup.args(), setup.method()).run((step, total, loss, lr, secondsPerStep) -> { });
            int steps = setup.args().maxTrainSteps();
            new JobCheckpoints(artifacts).publish(request.tenant(), request.jobId(), steps, workspace.output().resolve("checkpoint-" + steps));
        }
        Files.delete(jobs);
    }

    /** A LoRA request as the gateway sends it: the seed's defaults, at 64 px and {@code steps} steps. */
    /** Publishes the base model and a dataset named after the job, and sends a LoRA request of {@code steps}. */
    static TrainingRequest sendLora(ArtifactStore artifacts, String jobId, int steps) throws Exception {
        publishBaseModel(artifacts);
        TrainingRequest request = lora(jobId, jobId, publishDataset(artifacts, jobId), steps);
        TestBroker.send(Topics.TRAINING_REQUESTS, request.key(), json(request));
        return request;
    }

    static TrainingRequest lora(String jobId, String datasetId, List<StoredObject> images, int steps) {
        return lora(jobId, datasetId, images, steps, null);
    }

    /** The same, storing a checkpoint every {@code checkpointingSteps} steps. */
    static TrainingRequest lora(String jobId, String datasetId, List<StoredObject> images, int steps,
            Integer checkpointingSteps) {
        return new TrainingRequest(jobId, TENANT, TrainingMethod.LORA, BASE_MODEL, datasetId, images, null, null, null,
                "a photo of <cat-toy>", null, null, smallAndShort(steps, checkpointingSteps, null)).withDefaults();
    }

    /** The same, drawing one image of {@code validationPrompt} every {@code validationSteps} steps and at the end. */
    static TrainingRequest lora(String jobId, String datasetId, List<StoredObject> images, int steps,
            String validationPrompt, int validationSteps) {
        return new TrainingRequest(jobId, TENANT, TrainingMethod.LORA, BASE_MODEL, datasetId, images, null, null, null,
                "a photo of <cat-toy>", null, validationPrompt, smallAndShort(steps, null, validationSteps)).withDefaults();
    }

    /** A Textual Inversion request for {@code <cat-toy>}, started from "toy", at 64 px and {@code steps} steps. */
    static TrainingRequest textualInversion(String jobId, String datasetId, List<StoredObject> images, int steps) {
        return new TrainingRequest(jobId, TENANT, TrainingMethod.TEXTUAL_INVERSION, BASE_MODEL, datasetId, images, null, "<cat-toy>",
                "toy", null, null, null, smallAndShort(steps, null, null)).withDefaults();
    }

    /** {@code request} on its dataset's captions, {@code captions}. */
    static TrainingRequest withCaptions(TrainingRequest r, StoredObject captions) {
        return new TrainingRequest(r.jobId(), r.tenant(), r.method(), r.baseModelId(), r.datasetId(), r.images(),
                captions, r.placeholderToken(), r.initializerToken(), r.instancePrompt(), r.classPrompt(),
                r.validationPrompt(), r.hyperParameters());
    }

    /** 64 px (the tiny model's size), {@code steps} steps; the rest, and what is null, the seed's defaults. */
    private static HyperParameters smallAndShort(int steps, Integer checkpointingSteps, Integer validationSteps) {
        return new HyperParameters(64, null, null, steps, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, checkpointingSteps, validationSteps, validationSteps == null ? null : 1, null,
                null, null, null, null, null, null, null, null, null);
    }

    static String json(io.sdtune.contracts.Message message) {
        return new String(JsonCodec.encode(message), StandardCharsets.UTF_8);
    }

    private static byte[] png(SplittableRandom random) throws IOException {
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y += 16) {
            for (int x = 0; x < 64; x += 16) {
                int rgb = random.nextInt(1 << 24);
                for (int dy = 0; dy < 16; dy++) {
                    for (int dx = 0; dx < 16; dx++) {
                        image.setRGB(x + dx, y + dy, rgb);
                    }
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
