package io.sdtune.generator;

import io.sdtune.contracts.StoredObject;
import io.sdtune.diffusion.pipeline.GeneratedImage;
import io.sdtune.storage.ObjectKeys;
import io.sdtune.storage.ObjectStore;
import io.sdtune.storage.StoredFile;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** A request's PNGs under {@code images/<requestId>/<n>.png}. */
@ApplicationScoped
public class ImageShelf {

    @Inject
    ObjectStore objects;

    /** The request's images when all {@code count} are stored already (a replayed request); empty otherwise. */
    public Optional<List<StoredObject>> existing(String requestId, int count) throws IOException {
        Set<String> stored = Set.copyOf(objects.list(folder(requestId)));
        List<StoredObject> found = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            String key = ObjectKeys.image(requestId, n);
            if (!stored.contains(key)) {
                return Optional.empty();
            }
            found.add(describe(key));
        }
        return Optional.of(found);
    }

    /** Uploads the images as PNGs with their A1111 parameters; a partial earlier upload is overwritten. */
    public List<StoredObject> upload(String requestId, List<GeneratedImage> images) throws IOException {
        List<StoredObject> stored = new ArrayList<>();
        Path png = Files.createTempFile("sdtune-image", ".png");
        try {
            for (int n = 0; n < images.size(); n++) {
                images.get(n).save(png);
                StoredFile f = objects.put(ObjectKeys.image(requestId, n), Files.readAllBytes(png));
                stored.add(new StoredObject(f.key(), f.sha256(), f.size()));
            }
        } finally {
            Files.deleteIfExists(png);
        }
        return stored;
    }

    /** {@code images/<requestId>/}, as the first image's key has it. */
    private static String folder(String requestId) {
        String first = ObjectKeys.image(requestId, 0);
        return first.substring(0, first.lastIndexOf('/') + 1);
    }

    private StoredObject describe(String key) throws IOException {
        try (DigestInputStream in = new DigestInputStream(objects.open(key), MessageDigest.getInstance("SHA-256"))) {
            long size = in.transferTo(OutputStream.nullOutputStream());
            return new StoredObject(key, HexFormat.of().formatHex(in.getMessageDigest().digest()), size);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
