package io.sdtune.diffusion.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class InfotextTest {

    @Test
    void readsTheWebUisParametersAsItsParserDoes() {
        String text = """
                a cat in a hat <lora:catStyle:0.8>, embA
                on two lines
                Negative prompt: badEmb, blurry
                Steps: 25, Sampler: DPM++ 2M, Schedule type: Automatic, CFG scale: 7, Seed: 1234, Size: 512x768, \
                Model hash: 0123456789, Model: myModel, Lora hashes: "catStyle: a1b2c3d4e5f6", Version: v1.10.1""";

        Infotext info = Infotext.parse(text);

        assertThat(info.prompt()).isEqualTo("a cat in a hat , embA\non two lines");
        assertThat(info.negativePrompt()).isEqualTo("badEmb, blurry");
        assertThat(info.loras()).containsExactly(new Infotext.LoraTag("catStyle", 0.8));
        assertThat(info.parameters()).containsEntry("Lora hashes", "catStyle: a1b2c3d4e5f6")
                .containsEntry("Model hash", "0123456789").containsEntry("Version", "v1.10.1");
        GenerationParams p = info.params();
        assertThat(List.of(p.numInferenceSteps(), p.scheduler(), p.guidanceScale(), p.seed(), p.width(), p.height()))
                .containsExactly(25, "dpmpp_2m", 7.0, 1234L, 512, 768);
    }

    @Test
    void aLastLineOfFewerThanThreePairsIsPartOfThePrompt() {
        Infotext info = Infotext.parse("a photo\nStyle: watercolor");

        assertThat(info.prompt()).isEqualTo("a photo\nStyle: watercolor");
        assertThat(info.parameters()).isEmpty();
        assertThatThrownBy(info::params).hasMessageContaining("no 'Sampler'");
    }

    @Test
    void refusesWhatThisEngineCannotRedraw() {
        String karras = "x\nSteps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 64x64";
        String unknown = "x\nSteps: 20, Sampler: Heun, CFG scale: 7, Seed: 1, Size: 64x64";

        assertThatThrownBy(() -> Infotext.parse(karras).params()).hasMessageContaining("Karras");
        assertThatThrownBy(() -> Infotext.parse(unknown).params()).hasMessageContaining("'Heun'");
    }
}
