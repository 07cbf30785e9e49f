package io.sdtune.gateway.dataset;

import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.validation.Syntax;
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
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/**
 * Datasets: uploaded training images under {@code tenants/<tenant>/datasets/<datasetId>/}, published as an artifact
 * (files, then the manifest), so a dataset exists whole or not at all, and only for its tenant.
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
        List<UploadedImage> images = check(uploads);
        quotas.checkStorage(tenant, images.stream().mapToLong(UploadedImage::size).sum());
        String datasetId = MessageForm.newId();
        ArtifactLocation at = Shelf.DATASETS.at(tenant, datasetId);
        List<ArtifactFile> files = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            UploadedImage image = images.get(i);
            files.add(new ArtifactFile(String.format("%03d.%s", i, image.extension()), image.size(),
                    () -> Files.newInputStream(image.file())));
        }
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

    /** The images of the tenant's dataset as a training request names them; empty when it has no such dataset. */
    public Optional<List<StoredObject>> images(String tenant, String datasetId) throws IOException {
        if (datasetId == null || !Syntax.ID.matches(datasetId)) {
            return Optional.empty();
        }
        return artifacts.manifest(Shelf.DATASETS.at(tenant, datasetId)).map(manifest -> manifest.files().stream()
                .map(StoredFile::asStoredObject)
                .toList());
    }

    /**
     * Deletes the tenant's dataset: it vanishes at once (its manifest goes first), then its images. A training job
     * that has its images already is not affected; one that has not fails, naming the missing image.
     *
     * @return false when the tenant has no such dataset
     */
    public boolean delete(String tenant, String datasetId) throws IOException {
        if (images(tenant, datasetId).isEmpty()) {
            return false;
        }
        artifacts.delete(Shelf.DATASETS.at(tenant, datasetId));
        quotas.stored(tenant);
        return true;
    }

    private List<UploadedImage> check(List<FileUpload> uploads) {
        List<String> problems = new ArrayList<>();
        if (uploads.isEmpty()) {
            problems.add("images: none uploaded, send 1 to " + limits.maxImages() + " image files as multipart/form-data");
        } else if (uploads.size() > limits.maxImages()) {
            problems.add("images: " + uploads.size() + " uploaded, at most " + limits.maxImages() + " per dataset");
        }
        List<UploadedImage> images = new ArrayList<>();
        for (int i = 0; i < uploads.size(); i++) {
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
        if (!problems.isEmpty()) {
            throw ProblemException.invalid("dataset upload", problems);
        }
        return images;
    }
}
