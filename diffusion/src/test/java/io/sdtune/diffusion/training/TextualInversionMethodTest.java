package io.sdtune.diffusion.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sdtune.diffusion.graph.DType;
import org.junit.jupiter.api.Test;

/** Textual Inversion on captioned images: the caption says the token, which stands for all of its vectors. */
class TextualInversionMethodTest {

    private final TextualInversionMethod method = new TextualInversionMethod("<cat-toy>", "toy", 2, "object",
            DType.FLOAT32);

    @Test
    void aCaptionsPlaceholderTokenStandsForEachOfItsVectors() {
        assertThat(method.caption("a small <cat-toy> on the left, on a green background"))
                .isEqualTo("a small <cat-toy> <cat-toy>_1 on the left, on a green background");
    }

    @Test
    void aCaptionWithoutThePlaceholderTokenIsRefusedAsItWouldTrainNothing() {
        assertThatThrownBy(() -> method.caption("a red circle"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the caption 'a red circle' does not hold the placeholder token <cat-toy>: Textual "
                        + "Inversion learns the token from captions that say it");
    }
}
