package io.sdtune.diffusion.nn.unet;

import io.sdtune.diffusion.graph.Tensor;
import java.util.Deque;

/** A block of the UNet's up path, one per entry of {@code up_block_types} ({@link UNetBlocks#up}). */
sealed interface UpBlock permits CrossAttnUpBlock2D, UpBlock2D {

    /** Runs the block on {@code h}, each ResNet taking the most recent of the down path's {@code skips}. */
    Tensor forward(Tensor h, Tensor temb, Tensor context, Deque<Tensor> skips);
}
