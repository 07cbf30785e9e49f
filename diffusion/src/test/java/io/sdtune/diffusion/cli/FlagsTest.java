package io.sdtune.diffusion.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class FlagsTest {

    private static Flags generate() {
        return new Flags("sd generate")
                .required("pretrained_model_name_or_path", "model folder")
                .option("num_inference_steps", "50", "denoising steps")
                .option("guidance_scale", "7.5", "classifier-free guidance")
                .option("lora", "", "adapter, repeatable")
                .flag("verbose", "more output");
    }

    @Test
    void readsTheDiffusersScriptsSpellings() {
        Flags f = generate().parse(List.of("--pretrained_model_name_or_path", "/models/sd15", "--guidance_scale=5",
                "--verbose", "--lora", "a.safetensors", "--lora", "b.safetensors:0.5"));

        assertThat(f.string("pretrained_model_name_or_path")).isEqualTo("/models/sd15");
        assertThat(f.number("guidance_scale")).isEqualTo(5.0);
        assertThat(f.integer("num_inference_steps")).isEqualTo(50);
        assertThat(f.isSet("verbose")).isTrue();
        assertThat(f.all("lora")).containsExactly("a.safetensors", "b.safetensors:0.5");
    }

    @Test
    void anUnknownFlagIsAnErrorWithASuggestion() {
        assertThatThrownBy(() -> generate().parse(List.of("--pretrained_model_name_or_path", "m", "--guidance-scale", "5")))
                .isInstanceOf(Flags.UsageException.class)
                .hasMessageStartingWith("sd generate: error: unrecognized argument --guidance-scale (did you mean --guidance_scale?)")
                .hasMessageContaining("usage: sd generate");
    }

    @Test
    void missingAndMalformedValuesAreNamed() {
        assertThatThrownBy(() -> generate().parse(List.of())).hasMessageContaining("required: --pretrained_model_name_or_path");
        assertThatThrownBy(() -> generate().parse(List.of("--pretrained_model_name_or_path", "m", "--num_inference_steps", "many"))
                .integer("num_inference_steps")).hasMessageContaining("--num_inference_steps expects an integer, got 'many'");
        assertThatThrownBy(() -> generate().parse(List.of("--pretrained_model_name_or_path"))).hasMessageContaining("expects a value");
    }
}
