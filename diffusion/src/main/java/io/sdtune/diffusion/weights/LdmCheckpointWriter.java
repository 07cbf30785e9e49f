package io.sdtune.diffusion.weights;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.clip.ClipTextConfig;
import io.sdtune.diffusion.nn.unet.UNet2DConditionConfig;
import io.sdtune.diffusion.nn.vae.AutoencoderKLConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A Stable Diffusion 1.x model written as one safetensors checkpoint in the original (LDM) naming: the file
 * AUTOMATIC1111 and ComfyUI load, which diffusers' {@code scripts/convert_diffusers_to_original_stable_diffusion.py
 * --use_safetensors} writes. The inverse of {@link LdmCheckpoint}: each tensor is stored under {@link LdmKeys}' name
 * for its diffusers key, and the VAE's attention projections are 1x1 convolutions again. As in the script, the file
 * holds the three components' tensors and nothing else (no EMA copy, no noise schedule: loaders compute those from
 * their own config) and no metadata.
 *
 * <p>The file is streamed: its header needs only names, types and shapes, so it goes first; then the tensors follow in
 * header order, each read from its source when its turn comes, so at most one tensor is in memory at a time (and that
 * one only when it is converted to float16; otherwise the bytes pass from the source's mapping through a small
 * buffer).
 */
public final class LdmCheckpointWriter {
    private static final int CHUNK_BYTES = 1 << 20;

    /** A tensor of the file: its header entry and where its bytes are read. */
    private record Stored(SafeTensors.Entry entry, WeightSource source, String sourceKey) {

        ByteBuffer bytes() {
            TensorData t = source.get(sourceKey);
            // The 1x1 convolutions of the VAE hold the bytes of the linear weights: only the header's shape differs.
            return (t.dtype() == entry.dtype() ? t : t.to(entry.dtype())).data().duplicate().clear();
        }
    }

    private final List<Stored> tensors;
    private final ByteBuffer header;

    private LdmCheckpointWriter(List<Stored> tensors, ByteBuffer header) {
        this.tensors = tensors;
        this.header = header;
    }

    /**
     * The checkpoint of these components, each given by its config and its weights under diffusers names (every key
     * of a source is written). With {@code half}, floating-point tensors are stored as float16 (rounded to nearest
     * even, as {@code torch.Tensor.half()} does); integer ones (CLIP's {@code position_ids}) keep their type.
     *
     * @throws IllegalArgumentException for an OpenCLIP text encoder (SD 2.x), whose original layout this does not
     *         write, or when two tensors would get the same LDM key
     */
    public static LdmCheckpointWriter of(UNet2DConditionConfig unetConfig, WeightSource unet,
            AutoencoderKLConfig vaeConfig, WeightSource vae, ClipTextConfig textEncoderConfig, WeightSource textEncoder,
            boolean half) {
        // SD 2.x's OpenCLIP (the one with gelu) is stored as cond_stage_model.model.* with q, k and v fused: another
        // layout, not LdmKeys' transformers names.
        if (!textEncoderConfig.hiddenAct().equals("quick_gelu")) {
            throw new IllegalArgumentException(textEncoder.origin() + ": a text encoder with hidden_act "
                    + textEncoderConfig.hiddenAct() + " is OpenCLIP (SD 2.x), whose original layout is not written; "
                    + "only SD 1.x models (OpenAI CLIP, quick_gelu) are");
        }
        Map<String, Stored> byKey = new HashMap<>();
        add(byKey, unet, k -> LdmKeys.unet(k, unetConfig), half);
        add(byKey, vae, k -> LdmKeys.vae(k, vaeConfig), half);
        add(byKey, textEncoder, LdmKeys::textEncoder, half);
        List<Stored> order = new ArrayList<>(byKey.values());
        order.sort(Comparator.comparing(Stored::entry, SafeTensors.LAYOUT));
        try {
            ByteBuffer header = SafeTensors.header(order.stream().map(Stored::entry).toList(), Map.of());
            return new LdmCheckpointWriter(order, header);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    private static void add(Map<String, Stored> byKey, WeightSource source, UnaryOperator<String> ldmKey,
            boolean half) {
        for (String key : source.keys()) {
            TensorData t = source.get(key); // of a file, a mapping: only its type and shape are used now
            Shape shape = LdmKeys.isVaeAttentionProjection(key) && t.shape().rank() == 2
                    ? t.shape().concat(Shape.of(1, 1))
                    : t.shape();
            DType dtype = half && t.dtype().isFloatingPoint() ? DType.FLOAT16 : t.dtype();
            Stored stored = new Stored(new SafeTensors.Entry(ldmKey.apply(key), dtype, shape), source, key);
            Stored other = byKey.putIfAbsent(stored.entry().key(), stored);
            if (other != null) {
                throw new IllegalArgumentException("'" + key + "' of " + source.origin() + " and '"
                        + other.sourceKey() + "' of " + other.source().origin() + " would both be stored as '"
                        + stored.entry().key() + "'");
            }
        }
    }

    /** The LDM keys, in the order the file holds them. */
    public List<String> keys() {
        return tensors.stream().map(t -> t.entry().key()).toList();
    }

    /** The file's length in bytes, known before it is written (an HTTP response's Content-Length). */
    public long size() {
        return header.remaining() + tensors.stream().mapToLong(t -> t.entry().length()).sum();
    }

    /** Streams the file to {@code out}: the header, then each tensor in header order. {@code out} is left open. */
    public void write(OutputStream out) throws IOException {
        SafeTensors.requireLittleEndianMachine("the LDM checkpoint");
        out.write(header.array(), header.arrayOffset(), header.remaining());
        byte[] chunk = new byte[CHUNK_BYTES];
        for (Stored t : tensors) {
            ByteBuffer bytes = t.bytes();
            while (bytes.hasRemaining()) {
                int n = Math.min(chunk.length, bytes.remaining());
                bytes.get(chunk, 0, n);
                out.write(chunk, 0, n);
            }
        }
        out.flush();
    }

    /** Writes the file to {@code file}, replacing it atomically: readers see the old file or the whole new one. */
    public void write(Path file) {
        try {
            SafeTensors.writeAtomically(file, channel -> write(Channels.newOutputStream(channel)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
