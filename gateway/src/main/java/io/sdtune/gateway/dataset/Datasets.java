package io.sdtune.gateway.dataset;

import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.validation.Syntax;
import io.sdtune.diffusion.training.ImageCaptions;
import io.sdtune.gateway.api.MessageForm;
import io.sdtune.gateway.api.ProblemException;
import io.sdtune.gateway.quota.Quotas;
import io.sdtune.storage.ArtifactFile;
import io.sdtune.storage.ArtifactLocation;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.Shelf;
import io.sdtune.storage.StoredFile;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/**
 * Datasets: uploaded training images under {@code tenants/<tenant>/datasets/<datasetId>/} ({@code 000.png, 001.jpg,
 * ...}), with their captions, when uploaded, as one {@code metadata.jsonl} by those names (whichever form they came
 * in: {@link UploadedCaptions}), published as an artifact (files, then the manifest), so a dataset exists whole or
 * not at all, and only for its tenant.
 */
@ApplicationScoped
public class Datasets {
    static final String KIND = "DATASET";

    @Inject
    ArtifactStore artifacts;
    @Inject
    DatasetLimits limits;
    @Inject
    Quotas quotas;

    /** Checks every file before storing any: a refused upload leaves nothing behind. */
    public String create(String tenant, List<FileUpload> uploads) throws IOException {
        Upload upload = check(uploads);
        List<ArtifactFile> files = new ArrayList<>();
        Map<String, String> captions = new LinkedHashMap<>();
        for (int i = 0; i < upload.images().size(); i++) {
            UploadedImage image = upload.images().get(i);
            String name = String.format("%03d.%s", i, image.extension());
            files.add(new ArtifactFile(name, image.size(), () -> Files.newInputStream(image.file())));
            String caption = upload.captions().of(upload.imageIndices().get(i));
            if (caption != null) {
                captions.put(name, caption);
            }
        }
        if (!captions.isEmpty()) {
            byte[] metadata = ImageCaptions.toMetadata(captions).getBytes(StandardCharsets.UTF_8);
            files.add(new ArtifactFile(ImageCaptions.METADATA, metadata.length,
                    () -> new ByteArrayInputStream(metadata)));
        }
        quotas.checkStorage(tenant, files.stream().mapToLong(ArtifactFile::size).sum());
        String datasetId = MessageForm.newId();
        ArtifactLocation at = Shelf.DATASETS.at(tenant, datasetId);
        try {
            artifacts.publish(at, KIND, files, Map.of());
        } catch (IOException | RuntimeException e) {
            // files uploaded before the failure would be invisible but still take space
            try {
                artifacts.delete(at);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        quotas.stored(tenant);
        return datasetId;
    }

    /**
     * The tenant's dataset as a training request names it: its images, and its captions' {@code metadata.jsonl} when
     * it has captions; empty when the tenant has no such dataset.
     */
    public Optional<Stored> stored(String tenant, String datasetId) throws IOException {
        if (datasetId == null || !Syntax.ID.matches(datasetId)) {
            return Optional.empty();
        }
        return artifacts.manifest(Shelf.DATASETS.at(tenant, datasetId)).map(manifest -> {
            List<StoredObject> images = new ArrayList<>();
            StoredObject captions = null;
            for (StoredFile file : manifest.files()) {
                if (file.key().endsWith("/" + ImageCaptions.METADATA)) {
                    captions = file.asStoredObject();
                } else {
                    images.add(file.asStoredObject());
                }
            }
            return new Stored(images, captions);
        });
    }

    /** A stored dataset: its images and its captions' file, or null. */
    public record Stored(List<StoredObject> images, StoredObject captions) {
    }

    /**
     * Deletes the tenant's dataset: it vanishes at once (its manifest goes first), then its images. A training job
     * that has its images already is not affected; one that has not fails, naming the missing image.
     *
     * @return false when the tenant has no such dataset
     */
    public boolean delete(String tenant, String datasetId) throws IOException {
        if (stored(tenant, datasetId).isEmpty()) {
            return false;
        }
        artifacts.delete(Shelf.DATASETS.at(tenant, datasetId));
        quotas.stored(tenant);
        return true;
    }

    /**
     * Every part checked: images by their bytes, caption files ({@code .txt}, {@code metadata.jsonl}) by their names
     * against the images'; all problems at once.
     */
    private Upload check(List<FileUpload> uploads) {
        List<String> problems = new ArrayList<>();
        List<UploadedCaptions.Part> captionParts = new ArrayList<>();
        Map<Integer, String> imageNames = new LinkedHashMap<>();
        for (int i = 0; i < uploads.size(); i++) {
            FileUpload upload = uploads.get(i);
            String name = "images[" + i + "] (" + upload.fileName() + ")";
            if (UploadedCaptions.isCaptionFile(upload.fileName())) {
                captionParts.add(new UploadedCaptions.Part(name, upload.fileName(), upload.uploadedFile(), upload.size()));
            } else {
                imageNames.put(i, upload.fileName() == null ? "" : upload.fileName());
            }
        }
        if (imageNames.isEmpty()) {
            problems.add("images: none uploaded, send 1 to " + limits.maxImages() + " image files as multipart/form-data"
                    + " (with their captions, if any, as NAME.txt or metadata.jsonl)");
        } else if (imageNames.size() > limits.maxImages()) {
            problems.add("images: " + imageNames.size() + " uploaded, at most " + limits.maxImages() + " per dataset");
        }
        List<UploadedImage> images = new ArrayList<>();
        for (int i : imageNames.keySet()) {
            FileUpload upload = uploads.get(i);
            String name = "images[" + i + "] (" + upload.fileName() + ")";
            if (upload.size() == 0) {
                problems.add(name + " is empty");
            } else if (upload.size() > limits.maxImageBytes()) {
                problems.add(name + " has " + upload.size() + " bytes, at most " + limits.maxImageBytes() + " per image");
            } else {
                try {
                    images.add(UploadedImage.decode(upload.uploadedFile(), upload.size(), limits));
                } catch (UploadedImage.RefusedUpload e) {
                    problems.add(name + " " + e.getMessage());
                }
            }
        }
        UploadedCaptions captions = UploadedCaptions.none();
        if (captionParts.size() > limits.maxImages() + 1) {
            problems.add("captions: " + captionParts.size() + " caption files uploaded, at most one per image and a "
                    + ImageCaptions.METADATA + " (" + (limits.maxImages() + 1) + ")");
        } else {
            captions = UploadedCaptions.read(imageNames, captionParts, limits.maxImages(), problems::add);
        }
        if (!problems.isEmpty()) {
            throw ProblemException.invalid("dataset upload", problems);
        }
        return new Upload(images, List.copyOf(imageNames.keySet()), captions);
    }

    /** A checked upload: its images, each one's index among the parts, and their captions by that index. */
    private record Upload(List<UploadedImage> images, List<Integer> imageIndices, UploadedCaptions captions) {
    }
}
