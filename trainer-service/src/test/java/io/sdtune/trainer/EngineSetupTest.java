package io.sdtune.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.adapter.AdapterKind;
import io.sdtune.diffusion.runtime.Device;
import io.sdtune.diffusion.training.InstanceImages;
import io.sdtune.diffusion.training.LoraMethod;
import io.sdtune.diffusion.training.TextualInversionMethod;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineSetupTest {
    private static final List<StoredObject> IMAGES = List.of(new StoredObject("tenants/t1/datasets/d/a.png", "0".repeat(64), 1L));

    @TempDir
    Path dir;

    @Test
    void aLoraRequestRunsAsTrainDreamboothLoraWithTheSeedsSettings() throws Exception {
        try (JobWorkspace workspace = JobWorkspace.create(dir, "j")) {
            EngineSetup setup = EngineSetup.of(TrainingFixtures.lora("j", "d", IMAGES, 40), dir.resolve("model"),
                    workspace, Device.CPU);

            assertThat(setup.method()).isInstanceOf(LoraMethod.class);
            assertThat(setup.kind()).isEqualTo(AdapterKind.LORA);
            assertThat(setup.triggerTokens()).containsExactly("<cat-toy>");
            assertThat(setup.args().instancePrompt()).isEqualTo("a photo of <cat-toy>");
            assertThat(setup.args().resolution()).isEqualTo(64);
            assertThat(setup.args().maxTrainSteps()).isEqualTo(40);
            assertThat(setup.args().learningRate()).isEqualTo(5e-4);
            assertThat(setup.args().crop()).isEqualTo(InstanceImages.Crop.RANDOM);
            assertThat(setup.args().outputDir()).isEqualTo(workspace.output());
        }
    }

    @Test
    void aTextualInversionRequestTrainsItsPlaceholder() throws Exception {
        try (JobWorkspace workspace = JobWorkspace.create(dir, "j")) {
            EngineSetup setup = EngineSetup.of(TrainingFixtures.textualInversion("j", "d", IMAGES, 40), dir.resolve("model"),
                    workspace, Device.CPU);

            assertThat(setup.method()).isInstanceOf(TextualInversionMethod.class);
            assertThat(setup.kind()).isEqualTo(AdapterKind.EMBEDDING);
            assertThat(setup.triggerTokens()).containsExactly("<cat-toy>");
            assertThat(setup.args().scaledLearningRate()).as("5e-4, scaled by the batch of 1 x 4").isEqualTo(2e-3);
            assertThat(setup.args().crop()).isEqualTo(InstanceImages.Crop.RESIZE);
        }
    }

    @Test
    void aPromptsPlaceholdersAreItsTriggerTokens() {
        assertThat(EngineSetup.placeholdersOf("a photo of <cat-toy> next to <cat-toy> and <Dog>"))
                .containsExactly("<cat-toy>");
        assertThat(EngineSetup.placeholdersOf("a photo of sks dog")).isEmpty();
    }
}
