package io.sdtune.diffusion.weights;

import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.unet.UNet2DConditionConfig;
import io.sdtune.diffusion.nn.vae.AutoencoderKLConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * A single-file Stable Diffusion 1.x or 2.x checkpoint in the original (LDM) naming, read as the three
 * diffusers components. Tensors are mapped, not copied; the VAE's attention projections change shape (1x1
 * convolutions there, linear weights here) and SD 2.x's fused q/k/v projections are cut in three, each a view of
 * the same bytes.
 */
public final class LdmCheckpoint implements AutoCloseable {
    private final SafeTensors file;
    private final String origin;

    private LdmCheckpoint(SafeTensors file, String origin) {
        this.file = file;
        this.origin = origin;
    }

    public static LdmCheckpoint open(Path path) {
        return new LdmCheckpoint(SafeTensorsWeights.openFile(path), path.toString());
    }

    /** The shape stored under an LDM key, or null when absent. */
    public Shape storedShape(String key) {
        return file.keys().contains(key) ? file.info(key).shape() : null;
    }

    /** The UNet's tensors under diffusers names; {@code keys} are the model's. */
    public WeightSource unet(UNet2DConditionConfig config, Set<String> keys) {
        return SafeTensorsWeights.mapped(file, origin, keys, k -> LdmKeys.unet(k, config));
    }

    /**
     * The text encoder's tensors under transformers' CLIP names: SD 1.x's as stored (with or without the
     * {@code text_model.} level of early checkpoints), or SD 2.x's OpenCLIP ones renamed, q, k and v cut from the
     * fused projection (views of its rows, no copy); OpenCLIP's layers beyond the config's are not read (diffusers
     * keeps 23 of ViT-H's 24: the pipelines read the penultimate layer).
     */
    public WeightSource textEncoder(Set<String> keys) {
        if (file.keys().stream().anyMatch(k -> k.startsWith(LdmKeys.OPEN_CLIP_PREFIX))) {
            return viewed(SafeTensorsWeights.mapped(file, origin, keys, k -> LdmKeys.openClip(k).key()), (key, t) -> {
                int third = LdmKeys.openClip(key).third();
                return third < 0 ? t : rows(t, third);
            });
        }
        WeightSource current = SafeTensorsWeights.mapped(file, origin, keys, LdmKeys::textEncoder);
        if (current.keys().size() == keys.size()) {
            return current;
        }
        // Early SD 1.x checkpoints store the text model without its "text_model." level.
        return SafeTensorsWeights.mapped(file, origin, keys,
                k -> LdmKeys.TEXT_ENCODER_PREFIX + k.replaceFirst("^text_model\\.", ""));
    }

    public WeightSource vae(AutoencoderKLConfig config, Set<String> keys) {
        return viewed(SafeTensorsWeights.mapped(file, origin, keys, k -> LdmKeys.vae(k, config)), (key, t) ->
                LdmKeys.isVaeAttentionProjection(key) && t.shape().rank() == 4
                        ? new TensorData(t.dtype(), t.shape().slice(0, 2), t.data()) : t);
    }

    /** The third {@code part} of a tensor's rows: {@code [3d, ...]} to {@code [d, ...]}, a view of the same bytes. */
    private static TensorData rows(TensorData t, int part) {
        long d = t.shape().dim(0) / 3;
        int bytes = Math.toIntExact(t.shape().size() / 3 * t.dtype().byteSize());
        ByteBuffer view = t.data().duplicate().rewind().slice(part * bytes, bytes).order(t.data().order());
        return new TensorData(t.dtype(), t.shape().with(0, d), view);
    }

    /** {@code mapped} with each tensor passed through {@code view} (a reshape or a slice of the stored one). */
    private WeightSource viewed(WeightSource mapped, BiFunction<String, TensorData, TensorData> view) {
        return WeightSource.viewed(origin, mapped.keys(), key -> view.apply(key, mapped.get(key)));
    }

    @Override
    public void close() {
        try {
            file.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
