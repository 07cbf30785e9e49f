package io.sdtune.diffusion.weights;

import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.unet.UNet2DConditionConfig;
import io.sdtune.diffusion.nn.vae.AutoencoderKLConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * A single-file Stable Diffusion 1.x checkpoint in the original (LDM) naming, read as the three
 * diffusers components. Tensors are mapped, not copied; only the VAE's attention projections change
 * shape (1x1 convolutions there, linear weights here), which is a view of the same bytes.
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

    public WeightSource textEncoder(Set<String> keys) {
        WeightSource current = SafeTensorsWeights.mapped(file, origin, keys, LdmKeys::textEncoder);
        if (current.keys().size() == keys.size()) {
            return current;
        }
        // Early SD 1.x checkpoints store the text model without its "text_model." level.
        return SafeTensorsWeights.mapped(file, origin, keys,
                k -> LdmKeys.TEXT_ENCODER_PREFIX + k.replaceFirst("^text_model\\.", ""));
    }

    public WeightSource vae(AutoencoderKLConfig config, Set<String> keys) {
        WeightSource mapped = SafeTensorsWeights.mapped(file, origin, keys, k -> LdmKeys.vae(k, config));
        return new WeightSource() {
            @Override
            public String origin() {
                return origin;
            }

            @Override
            public Set<String> keys() {
                return mapped.keys();
            }

            @Override
            public TensorData get(String key) {
                TensorData t = mapped.get(key);
                if (LdmKeys.isVaeAttentionProjection(key) && t.shape().rank() == 4) {
                    return new TensorData(t.dtype(), t.shape().slice(0, 2), t.data());
                }
                return t;
            }

            @Override
            public void close() {
            }
        };
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
