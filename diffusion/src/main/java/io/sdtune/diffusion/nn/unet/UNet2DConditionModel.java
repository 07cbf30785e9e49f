package io.sdtune.diffusion.nn.unet;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Graph;
import io.sdtune.diffusion.graph.Tensor;
import io.sdtune.diffusion.nn.Conv2d;
import io.sdtune.diffusion.nn.GroupNorm;
import io.sdtune.diffusion.nn.Lora;
import io.sdtune.diffusion.nn.Module;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * diffusers' {@code UNet2DConditionModel}: predicts the noise (or velocity) in latents {@code [B, 4, h, w]}
 * at timesteps {@code [B]} given text states {@code [B, 77, cross_attention_dim]}. Parameter names are
 * diffusers' state-dict keys.
 */
public final class UNet2DConditionModel extends Module {
    private final UNet2DConditionConfig config;
    private final TimestepEmbedding timeEmbedding;
    private final Conv2d convIn;
    private final List<DownBlock> downBlocks = new ArrayList<>();
    private final UNetMidBlock2DCrossAttn midBlock;
    private final List<UpBlock> upBlocks = new ArrayList<>();
    private final GroupNorm convNormOut;
    private final Conv2d convOut;

    public UNet2DConditionModel(Graph graph, DType dtype, String prefix, UNet2DConditionConfig c) {
        this(graph, dtype, prefix, c, null);
    }

    /** The UNet with LoRA branches on the layers {@code lora} targets. */
    public UNet2DConditionModel(Graph graph, DType dtype, String prefix, UNet2DConditionConfig c, Lora lora) {
        super(graph, dtype, prefix, lora);
        this.config = c;
        List<Integer> channels = c.blockOutChannels();
        timeEmbedding = new TimestepEmbedding(this, "time_embedding", channels.get(0), c.timeEmbedDim(), c.flipSinToCos(),
                c.freqShift());
        convIn = new Conv2d(this, "conv_in", c.inChannels(), channels.get(0), 3, 1, 1);
        long out = channels.get(0);
        for (int i = 0; i < channels.size(); i++) {
            long in = out;
            out = channels.get(i);
            downBlocks.add(UNetBlocks.down(this, "down_blocks." + i, c, i, in, out));
        }
        midBlock = UNetBlocks.mid(this, "mid_block", c);
        int n = channels.size();
        long prevOut = channels.get(n - 1);
        for (int i = 0; i < n; i++) {
            long upOut = channels.get(n - 1 - i);
            long upIn = channels.get(Math.max(n - 2 - i, 0));
            upBlocks.add(UNetBlocks.up(this, "up_blocks." + i, c, i, prevOut, upOut, upIn));
            prevOut = upOut;
        }
        convNormOut = new GroupNorm(this, "conv_norm_out", c.normNumGroups(), channels.get(0), c.normEps());
        convOut = new Conv2d(this, "conv_out", channels.get(0), c.outChannels(), 3, 1, 1);
    }

    public UNet2DConditionConfig config() {
        return config;
    }

    /**
     * @param sample latents {@code [B, in_channels, h, w]} ({@code h, w} divisible by 2^(blocks-1))
     * @param timesteps float32 {@code [B]}
     * @param encoderHiddenStates {@code [B, tokens, cross_attention_dim]}
     */
    public Tensor forward(Tensor sample, Tensor timesteps, Tensor encoderHiddenStates) {
        try (var scope = enter()) {
            Tensor temb = timeEmbedding.forward(timesteps);
            Tensor h = convIn.forward(sample);
            List<Tensor> skipList = new ArrayList<>(List.of(h));
            for (DownBlock block : downBlocks) {
                h = block.forward(h, temb, encoderHiddenStates, skipList);
            }
            h = midBlock.forward(h, temb, encoderHiddenStates);
            Deque<Tensor> skips = new ArrayDeque<>(skipList);
            for (UpBlock block : upBlocks) {
                h = block.forward(h, temb, encoderHiddenStates, skips);
            }
            return convOut.forward(convNormOut.forwardSilu(h));
        }
    }
}
