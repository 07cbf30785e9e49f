package io.sdtune.diffusion.autodiff;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which forward segments the backward pass recomputes instead of keeping (gradient checkpointing).
 * A segment is identified by a module path: every node built under it belongs to it.
 */
@FunctionalInterface
public interface CheckpointPolicy {
    /** The segment a node built under {@code scope} belongs to, or null to keep its values. */
    String segmentOf(String scope);

    /** Keep every forward value (no recomputation). */
    static CheckpointPolicy none() {
        return scope -> null;
    }

    /**
     * Recompute each module whose path matches {@code regex} at the start of a node's scope, e.g.
     * {@code "down_blocks\\.\\d+\\.(resnets|attentions)\\.\\d+"} recomputes every ResNet and
     * transformer block of the UNet's down path, one block at a time, as diffusers'
     * {@code enable_gradient_checkpointing()} does.
     */
    static CheckpointPolicy modules(String regex) {
        Pattern pattern = Pattern.compile(regex);
        return scope -> {
            Matcher m = pattern.matcher(scope);
            return m.lookingAt() && (m.end() == scope.length() || scope.charAt(m.end()) == '.') ? m.group() : null;
        };
    }
}
