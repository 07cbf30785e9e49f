package io.sdtune.diffusion.nn.vae;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sdtune.diffusion.nn.ConfigFile;
import java.util.Collections;
import java.util.List;

/** The {@code config.json} of a diffusers {@code AutoencoderKL}. */
public record AutoencoderKLConfig(
        int inChannels,
        int outChannels,
        List<Integer> blockOutChannels,
        int layersPerBlock,
        int latentChannels,
        int normNumGroups,
        int sampleSize,
        double scalingFactor) {

    public AutoencoderKLConfig {
        blockOutChannels = List.copyOf(blockOutChannels);
    }

    /** Pixels per latent along each side: 2 per down block after the first. */
    public int downscale() {
        return 1 << (blockOutChannels.size() - 1);
    }

    /** Stable Diffusion 1.5's VAE: factor 8, 4 latent channels, scaling factor 0.18215. */
    public static AutoencoderKLConfig sd15() {
        return new AutoencoderKLConfig(3, 3, List.of(128, 256, 512, 512), 2, 4, 32, 512, 0.18215);
    }

    /** The same layout (factor 8) at a few channels. */
    public static AutoencoderKLConfig tiny() {
        return new AutoencoderKLConfig(3, 3, List.of(8, 16, 16, 16), 1, 4, 4, 64, 0.18215);
    }

    /** The world of shapes' VAE ({@code sd pretrain}): factor 4 (64 px to 16x16x4), 32 and 64 channels. */
    public static AutoencoderKLConfig world() {
        return new AutoencoderKLConfig(3, 3, List.of(32, 64, 64), 1, 4, 16, 64, 1.0);
    }

    /** The same with another {@code scaling_factor}. */
    public AutoencoderKLConfig withScalingFactor(double factor) {
        return new AutoencoderKLConfig(inChannels, outChannels, blockOutChannels, layersPerBlock, latentChannels,
                normNumGroups, sampleSize, factor);
    }

    public static AutoencoderKLConfig read(ConfigFile f) {
        AutoencoderKLConfig d = sd15();
        List<Integer> channels = f.integers("block_out_channels", d.blockOutChannels());
        for (String key : List.of("down_block_types", "up_block_types")) {
            String expected = key.startsWith("down") ? "DownEncoderBlock2D" : "UpDecoderBlock2D";
            List<String> types = f.strings(key, Collections.nCopies(channels.size(), expected));
            if (types.size() != channels.size() || types.stream().anyMatch(t -> !t.equals(expected))) {
                throw f.error(key, channels.size() + " x \"" + expected + "\"", types);
            }
        }
        if (!f.string("act_fn", "silu").equals("silu")) {
            throw f.error("act_fn", "\"silu\"", f.string("act_fn", ""));
        }
        return new AutoencoderKLConfig(
                f.integer("in_channels", d.inChannels()),
                f.integer("out_channels", d.outChannels()),
                channels,
                f.integer("layers_per_block", d.layersPerBlock()),
                f.integer("latent_channels", d.latentChannels()),
                f.integer("norm_num_groups", d.normNumGroups()),
                f.integer("sample_size", d.sampleSize()),
                f.number("scaling_factor", d.scalingFactor()));
    }

    public String toJson() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("_class_name", "AutoencoderKL");
        n.put("in_channels", inChannels);
        n.put("out_channels", outChannels);
        blockOutChannels.forEach(c -> n.withArray("down_block_types").add("DownEncoderBlock2D"));
        blockOutChannels.forEach(c -> n.withArray("up_block_types").add("UpDecoderBlock2D"));
        blockOutChannels.forEach(n.putArray("block_out_channels")::add);
        n.put("layers_per_block", layersPerBlock);
        n.put("act_fn", "silu");
        n.put("latent_channels", latentChannels);
        n.put("norm_num_groups", normNumGroups);
        n.put("sample_size", sampleSize);
        n.put("scaling_factor", scalingFactor);
        return n.toPrettyString();
    }
}
