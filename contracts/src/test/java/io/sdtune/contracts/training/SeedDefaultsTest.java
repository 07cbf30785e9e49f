package io.sdtune.contracts.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.sdtune.contracts.Samples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The defaults are the seed article's three command lines (seed.txt). */
class SeedDefaultsTest {

    @Test
    void textualInversionIsTheSeedsCommand() {
        // --learnable_property="object" --resolution=512 --train_batch_size=1 --gradient_accumulation_steps=4
        // --max_train_steps=400 --learning_rate=5e-4 --scale_lr --lr_scheduler="constant" --lr_warmup_steps=0
        HyperParameters ti = SeedDefaults.of(TrainingMethod.TEXTUAL_INVERSION);

        assertThat(ti.learnableProperty()).isEqualTo("object");
        assertThat(ti.resolution()).isEqualTo(512);
        assertThat(ti.trainBatchSize()).isEqualTo(1);
        assertThat(ti.gradientAccumulationSteps()).isEqualTo(4);
        assertThat(ti.maxTrainSteps()).isEqualTo(400);
        assertThat(ti.learningRate()).isEqualTo(5e-4);
        assertThat(ti.scaleLr()).isTrue();
        assertThat(ti.lrScheduler()).isEqualTo("constant");
        assertThat(ti.lrWarmupSteps()).isZero();
        assertThat(ti.numVectors()).isEqualTo(1);
    }

    @Test
    void dreamBoothIsTheSeedsCommand() {
        // --resolution=512 --train_batch_size=1 --gradient_accumulation_steps=1 --gradient_checkpointing
        // --use_8bit_adam --learning_rate=1e-6 --lr_scheduler="constant" --lr_warmup_steps=0 --max_train_steps=400
        HyperParameters dreamBooth = SeedDefaults.of(TrainingMethod.DREAMBOOTH);

        assertThat(dreamBooth.resolution()).isEqualTo(512);
        assertThat(dreamBooth.trainBatchSize()).isEqualTo(1);
        assertThat(dreamBooth.gradientAccumulationSteps()).isEqualTo(1);
        assertThat(dreamBooth.gradientCheckpointing()).isTrue();
        assertThat(dreamBooth.use8bitAdam()).isTrue();
        assertThat(dreamBooth.learningRate()).isEqualTo(1e-6);
        assertThat(dreamBooth.scaleLr()).isFalse();
        assertThat(dreamBooth.lrScheduler()).isEqualTo("constant");
        assertThat(dreamBooth.lrWarmupSteps()).isZero();
        assertThat(dreamBooth.maxTrainSteps()).isEqualTo(400);
        assertThat(dreamBooth.withPriorPreservation()).as("the seed trains without prior preservation").isFalse();
    }

    @Test
    void loraIsTheSeedsCommandAtTheScriptsRank() {
        // --resolution=512 --train_batch_size=1 --gradient_accumulation_steps=1 --learning_rate=5e-4
        // --lr_scheduler="constant" --lr_warmup_steps=0 --max_train_steps=400; --rank's default is 4
        HyperParameters lora = SeedDefaults.of(TrainingMethod.LORA);

        assertThat(lora.resolution()).isEqualTo(512);
        assertThat(lora.trainBatchSize()).isEqualTo(1);
        assertThat(lora.gradientAccumulationSteps()).isEqualTo(1);
        assertThat(lora.learningRate()).isEqualTo(5e-4);
        assertThat(lora.scaleLr()).isFalse();
        assertThat(lora.lrScheduler()).isEqualTo("constant");
        assertThat(lora.lrWarmupSteps()).isZero();
        assertThat(lora.maxTrainSteps()).isEqualTo(400);
        assertThat(lora.rank()).isEqualTo(4);
        assertThat(lora.gradientCheckpointing()).isFalse();
    }

    @Test
    void flagsTheSeedLeavesOutAreTheScriptsDefaults() {
        HyperParameters lora = SeedDefaults.of(TrainingMethod.LORA);

        assertThat(lora.adamBeta1()).isEqualTo(0.9);
        assertThat(lora.adamBeta2()).isEqualTo(0.999);
        assertThat(lora.adamWeightDecay()).isEqualTo(1e-2);
        assertThat(lora.adamEpsilon()).isEqualTo(1e-8);
        assertThat(lora.maxGradNorm()).isEqualTo(1.0);
        assertThat(lora.checkpointingSteps()).isEqualTo(500);
        assertThat(lora.mixedPrecision()).isEqualTo("no");
        assertThat(lora.numClassImages()).isEqualTo(100);
        assertThat(lora.priorLossWeight()).isEqualTo(1.0);
    }

    @Test
    void aMethodGetsNoDefaultForAFlagItsCommandLacks() {
        HyperParameters ti = SeedDefaults.of(TrainingMethod.TEXTUAL_INVERSION);

        assertThat(ti.rank()).isNull();
        assertThat(ti.withPriorPreservation()).isNull();
        assertThat(ti.use8bitAdam()).isNull();
        assertThat(SeedDefaults.of(TrainingMethod.LORA).learnableProperty()).isNull();
    }

    @Test
    void whatARequestGivesWinsAndWhatItLeavesOutIsFilledIn() {
        HyperParameters given = new HyperParameters(null, null, null, 800, 1e-4, null, "cosine", 50, null, null, null,
                null, null, 7L, null, null, null, null, null, null, null, null, null, 16, null, null, null, null, null, null,
                null);

        HyperParameters applied = SeedDefaults.apply(TrainingMethod.LORA, given);

        assertThat(applied.maxTrainSteps()).isEqualTo(800);
        assertThat(applied.learningRate()).isEqualTo(1e-4);
        assertThat(applied.lrScheduler()).isEqualTo("cosine");
        assertThat(applied.lrWarmupSteps()).isEqualTo(50);
        assertThat(applied.seed()).isEqualTo(7L);
        assertThat(applied.rank()).isEqualTo(16);
        assertThat(applied.resolution()).isEqualTo(512);
        assertThat(applied.adamBeta2()).isEqualTo(0.999);
        assertThat(SeedDefaults.apply(TrainingMethod.LORA, applied)).isEqualTo(applied);
    }

    @ParameterizedTest
    @EnumSource(TrainingMethod.class)
    void theSeedsRequestOfEachMethodIsValidWithItsDefaults(TrainingMethod method) {
        TrainingRequest request = Samples.trainingRequest(method);

        request.validate();
        assertThat(request.withDefaults().hyperParameters()).isEqualTo(SeedDefaults.of(method));
    }
}
