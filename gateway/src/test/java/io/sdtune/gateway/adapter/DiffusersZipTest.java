package io.sdtune.gateway.adapter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model folder zipped under its name, file for file; the files opened before the folder may go. */
class DiffusersZipTest {
    @TempDir
    Path dir;

    @Test
    void theNamedFilesUnderTheTopFolderByteForByte() throws Exception {
        Files.createDirectories(dir.resolve("unet"));
        Files.writeString(dir.resolve("model_index.json"), "{\"_class_name\": \"StableDiffusionPipeline\"}");
        Files.write(dir.resolve("unet/diffusion_pytorch_model.safetensors"), new byte[] {1, 2, 3, 4});
        Files.writeString(dir.resolve("manifest.json"), "{}");

        DiffusersZip zip = DiffusersZip.open(dir, "m1", List.of("unet/diffusion_pytorch_model.safetensors", "model_index.json"));
        Files.delete(dir.resolve("unet/diffusion_pytorch_model.safetensors")); // evicted from the cache meanwhile
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        zip.writeTo(out);

        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                entries.put(entry.getName(), in.readAllBytes());
            }
        }
        assertThat(entries).containsOnlyKeys("m1/model_index.json", "m1/unet/diffusion_pytorch_model.safetensors");
        assertThat(entries.get("m1/unet/diffusion_pytorch_model.safetensors")).containsExactly(1, 2, 3, 4);
        assertThat(new String(entries.get("m1/model_index.json"))).contains("StableDiffusionPipeline");
    }
}
