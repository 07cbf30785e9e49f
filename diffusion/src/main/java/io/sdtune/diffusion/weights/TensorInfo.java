package io.sdtune.diffusion.weights;

import io.sdtune.diffusion.graph.Shape;

/**
 * What a safetensors header says about one tensor.
 *
 * @param offset position of the tensor's first byte in the file (the header's {@code data_offsets} are relative to
 *     the data area; this is absolute)
 * @param length number of bytes the tensor occupies
 */
public record TensorInfo(String key, SafeTensorsDType dtype, Shape shape, long offset, long length) {}
