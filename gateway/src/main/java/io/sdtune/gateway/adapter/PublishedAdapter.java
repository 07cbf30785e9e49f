package io.sdtune.gateway.adapter;

import io.sdtune.contracts.adapter.AdapterKind;
import io.sdtune.storage.AdapterShelf;
import io.sdtune.storage.ArtifactLocation;
import io.sdtune.storage.Manifest;
import io.sdtune.storage.StoredFile;
import java.util.List;
import java.util.Optional;

/** A tenant's adapter as its manifest in the store describes it: where it is, its kind and its files. */
record PublishedAdapter(ArtifactLocation at, Manifest manifest) {

    AdapterKind kind() {
        return AdapterShelf.kind(manifest);
    }

    String baseModelId() {
        return AdapterShelf.baseModel(manifest);
    }

    /** The file's path inside the adapter: {@code pytorch_lora_weights.safetensors}, {@code unet/config.json}. */
    String name(StoredFile file) {
        return at.relativePath(manifest.publication(), file.key());
    }

    /** Every file, in the manifest's order, with the formats it is offered in. */
    List<AdapterFile> files() {
        return manifest.files().stream().map(file -> new AdapterFile(name(file), file.size(), file.sha256(),
                DownloadFormat.offered(kind(), name(file)).stream().map(DownloadFormat::wireName).toList())).toList();
    }

    Optional<StoredFile> file(String name) {
        return manifest.files().stream().filter(file -> name(file).equals(name)).findFirst();
    }
}
