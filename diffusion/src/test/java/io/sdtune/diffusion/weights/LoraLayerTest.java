package io.sdtune.diffusion.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each factorization's update against values worked by hand from its definition. */
class LoraLayerTest {

    private static TensorData t(long[] shape, float... values) {
        return TensorData.of(values, shape);
    }

    private static long[] dims(long... dims) {
        return dims;
    }

    private static TensorData alpha(float value) {
        return TensorData.scalar(DType.FLOAT32, value);
    }

    private static Map<String, TensorData> parts(Object... namesAndTensors) {
        Map<String, TensorData> parts = new LinkedHashMap<>();
        for (int i = 0; i < namesAndTensors.length; i += 2) {
            parts.put((String) namesAndTensors[i], (TensorData) namesAndTensors[i + 1]);
        }
        return parts;
    }

    private static float[] delta(LoraLayer layer, Shape weight) {
        return layer.delta(new float[(int) weight.size()], weight);
    }

    @Test
    void aLoraIsAlphaOverRankTimesUpTimesDown() {
        Shape weight = Shape.of(2, 2);
        LoraLayer lora = LoraLayer.of(parts("lora_down.weight", t(dims(1, 2), 1, 2), "lora_up.weight",
                t(dims(2, 1), 3, -1), "alpha", alpha(0.5f)), weight);

        // (0.5 / 1) [3; -1] [1 2]
        assertThat(delta(lora, weight)).containsExactly(1.5f, 3f, -0.5f, -1f);
        assertThat(lora.kind()).isEqualTo("LoRA");
        assertThat(lora.branchable()).isTrue();
    }

    @Test
    void aLoHaIsTheHadamardProductOfTwoLowRankProducts() {
        Shape weight = Shape.of(2, 2);
        LoraLayer loha = LoraLayer.of(parts(
                "hada_w1_a", t(dims(2, 1), 1, 2), "hada_w1_b", t(dims(1, 2), 3, 4),
                "hada_w2_a", t(dims(2, 1), 1, 0.5f), "hada_w2_b", t(dims(1, 2), 2, -1),
                "alpha", alpha(0.5f)), weight);

        // [3 4; 6 8] ⊙ [2 -1; 1 -0.5] = [6 -4; 6 -4], times alpha / r = 0.5 / 1
        assertThat(delta(loha, weight)).containsExactly(3f, -2f, 3f, -2f);
        assertThat(loha.branchable()).isFalse();
    }

    @Test
    void aLoKrIsTheKroneckerProductScaledOnlyWhenAFactorIsLowRank() {
        Shape weight = Shape.of(2, 4);
        TensorData w1 = t(dims(2, 2), 1, 2, 3, 4);
        LoraLayer whole = LoraLayer.of(parts("lokr_w1", w1, "lokr_w2", t(dims(1, 2), 5, 6), "alpha", alpha(4)), weight);
        LoraLayer factored = LoraLayer.of(parts("lokr_w1", w1, "lokr_w2_a", t(dims(1, 1), 1),
                "lokr_w2_b", t(dims(1, 2), 5, 6), "alpha", alpha(4)), weight);

        // [1 2; 3 4] ⊗ [5 6]; AUTOMATIC1111 scales by alpha / r only where a factor has a rank r.
        assertThat(delta(whole, weight)).containsExactly(5, 6, 10, 12, 15, 18, 20, 24);
        assertThat(delta(factored, weight)).containsExactly(20, 24, 40, 48, 60, 72, 80, 96);
    }

    @Test
    void aConvolutionsLoKrTakesItsKernelAsTheFlatInputsOfW2() {
        Shape weight = Shape.of(1, 2, 1, 2);
        Map<String, TensorData> fourD = parts("lokr_w1", t(dims(1, 2), 1, 2), "lokr_w2", t(dims(1, 1, 1, 2), 3, 4));
        Map<String, TensorData> flat = parts("lokr_w1", t(dims(1, 2), 1, 2), "lokr_w2", t(dims(1, 2), 3, 4));

        // kron([1 2] as [1, 2, 1, 1], [[[[3 4]]]]) = [[[[3 4]], [[6 8]]]]
        assertThat(delta(LoraLayer.of(fourD, weight), weight)).containsExactly(3, 4, 6, 8);
        assertThat(delta(LoraLayer.of(flat, weight), weight)).containsExactly(3, 4, 6, 8);
    }

    @Test
    void doraRescalesTheUpdatedWeightToTheStoredMagnitudePerInputOrPerOutput() {
        Shape weight = Shape.of(2, 2);
        float[] w = {3, 0, 4, 1};
        Map<String, TensorData> none = parts("lora_down.weight", t(dims(1, 2), 1, 1), "lora_up.weight",
                t(dims(2, 1), 0, 0));
        Map<String, TensorData> perInput = new LinkedHashMap<>(none);
        perInput.put("dora_scale", t(dims(1, 2), 1, 2));
        Map<String, TensorData> perOutput = new LinkedHashMap<>(none);
        perOutput.put("dora_scale", t(dims(2, 1), 6, 17));

        // Columns [3 4] and [0 1] become [0.6 0.8] and [0 2]; rows [3 0] and [4 1] become [6 0] and [4 1] (norm 17^½).
        float[] columns = LoraLayer.of(perInput, weight).delta(w, weight);
        float[] rows = LoraLayer.of(perOutput, weight).delta(w, weight);
        float root17 = (float) Math.sqrt(17);
        assertThat(columns).containsExactly(new float[] {0.6f - 3, 0, 0.8f - 4, 2 - 1}, within(1e-6f));
        assertThat(rows).containsExactly(new float[] {6 - 3, 0, 4 * root17 - 4, root17 - 1}, within(1e-5f));
        assertThat(LoraLayer.of(perInput, weight).kind()).isEqualTo("LoRA with DoRA");
    }

    @Test
    void partsThatDoNotFitOrDoNotBelongTogetherAreNamed() {
        Shape weight = Shape.of(2, 2);
        Map<String, TensorData> wide = parts("hada_w1_a", t(dims(2, 1), 1, 2), "hada_w1_b", t(dims(1, 3), 1, 2, 3),
                "hada_w2_a", t(dims(2, 1), 1, 2), "hada_w2_b", t(dims(1, 2), 1, 2));
        Map<String, TensorData> mixed = parts("lora_down.weight", t(dims(1, 2), 1, 1), "lora_up.weight",
                t(dims(2, 1), 1, 1), "hada_w1_a", t(dims(2, 1), 1, 2));
        Map<String, TensorData> kron = parts("lokr_w1", t(dims(2, 2), 1, 2, 3, 4), "lokr_w2", t(dims(2, 1), 5, 6));

        assertThatThrownBy(() -> LoraLayer.of(wide, weight))
                .hasMessage("hada_w1_b is [1, 3], but must be [1, 2] (its trailing dimensions flattened)");
        assertThatThrownBy(() -> LoraLayer.of(mixed, weight)).hasMessage("mixes [hada_w1_a] into a LoRA update");
        assertThatThrownBy(() -> LoraLayer.of(kron, weight))
                .hasMessage("W1 [2, 2] ⊗ W2 [2, 1] is not the layer's weight [2, 2]");
        assertThatThrownBy(() -> LoraLayer.of(parts("lokr_w1", t(dims(1, 1), 1)), weight))
                .hasMessage("neither lokr_w2 nor both lokr_w2_a and lokr_w2_b");
    }
}
