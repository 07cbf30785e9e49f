package io.sdtune.diffusion.nn.unet;

import io.sdtune.diffusion.graph.Tensor;
import java.util.List;

/** A block of the UNet's down path, one per entry of {@code down_block_types} ({@link UNetBlocks#down}). */
sealed interface DownBlock permits CrossAttnDownBlock2D, DownBlock2D {

    /** Runs the block on {@code h}, adding each intermediate output to {@code skips} for the up path. */
    Tensor forward(Tensor h, Tensor temb, Tensor context, List<Tensor> skips);
}
