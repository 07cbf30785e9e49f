package io.sdtune.contracts.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sdtune.contracts.InvalidMessageException;
import io.sdtune.contracts.Rejections;
import io.sdtune.contracts.Samples;
import io.sdtune.contracts.StoredObject;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TrainingRequestTest {

    /** Each rule, broken alone in the seed's request of a method, and what the sender reads (its start, for long ones). */
    @ParameterizedTest(name = "{0} {1} = {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            LORA              | hyper_parameters.learning_rate               | 5            | hyper_parameters.learning_rate must be > 0 and <= 1, got 5
            LORA              | hyper_parameters.learning_rate               | 0            | hyper_parameters.learning_rate must be > 0 and <= 1, got 0
            LORA              | hyper_parameters.resolution                  | 520          | hyper_parameters.resolution must be a multiple of 64, got 520
            LORA              | hyper_parameters.resolution                  | 4096         | hyper_parameters.resolution must be between 64 and 2048, got 4096
            LORA              | hyper_parameters.train_batch_size            | 0            | hyper_parameters.train_batch_size must be between 1 and 64, got 0
            LORA              | hyper_parameters.gradient_accumulation_steps | 129          | hyper_parameters.gradient_accumulation_steps must be between 1 and 128, got 129
            LORA              | hyper_parameters.max_train_steps             | 0            | hyper_parameters.max_train_steps must be between 1 and 100000, got 0
            LORA              | hyper_parameters.lr_scheduler                | "polynomial" | hyper_parameters.lr_scheduler must be one of constant, constant_with_warmup, linear, cosine, got 'polynomial'
            LORA              | hyper_parameters.lr_warmup_steps             | 500          | hyper_parameters.lr_warmup_steps must not exceed max_train_steps (400), got 500
            LORA              | hyper_parameters.adam_beta1                  | 1            | hyper_parameters.adam_beta1 must be >= 0 and < 1, got 1
            LORA              | hyper_parameters.adam_beta2                  | -0.1         | hyper_parameters.adam_beta2 must be >= 0 and < 1, got -0.1
            LORA              | hyper_parameters.adam_weight_decay           | 2            | hyper_parameters.adam_weight_decay must be between 0 and 1, got 2
            LORA              | hyper_parameters.adam_epsilon                | 0            | hyper_parameters.adam_epsilon must be > 0 and <= 1, got 0
            LORA              | hyper_parameters.max_grad_norm               | -1           | hyper_parameters.max_grad_norm must be between 0 and 100, got -1
            LORA              | hyper_parameters.seed                        | 4294967296   | hyper_parameters.seed must be between 0 and 4294967295, got 4294967296
            LORA              | hyper_parameters.noise_offset                | 1.5          | hyper_parameters.noise_offset must be between 0 and 1, got 1.5
            LORA              | hyper_parameters.snr_gamma                   | 25           | hyper_parameters.snr_gamma must be between 0 and 20, got 25
            LORA              | hyper_parameters.mixed_precision             | "bf16"       | hyper_parameters.mixed_precision must be one of no, fp16, got 'bf16'
            LORA              | hyper_parameters.checkpointing_steps         | -1           | hyper_parameters.checkpointing_steps must be between 0 and 100000, got -1
            LORA              | hyper_parameters.validation_steps            | 0            | hyper_parameters.validation_steps must be between 1 and 100000, got 0
            LORA              | hyper_parameters.num_validation_images       | 17           | hyper_parameters.num_validation_images must be between 1 and 16, got 17
            LORA              | hyper_parameters.rank                        | 0            | hyper_parameters.rank must be between 1 and 256, got 0
            LORA              | hyper_parameters.num_class_images            | 0            | hyper_parameters.num_class_images must be between 1 and 1000, got 0
            DREAMBOOTH        | hyper_parameters.prior_loss_weight           | 11           | hyper_parameters.prior_loss_weight must be between 0 and 10, got 11
            TEXTUAL_INVERSION | hyper_parameters.num_vectors                 | 17           | hyper_parameters.num_vectors must be between 1 and 16, got 17
            TEXTUAL_INVERSION | hyper_parameters.learnable_property          | "person"     | hyper_parameters.learnable_property must be one of object, style, got 'person'
            DREAMBOOTH        | hyper_parameters.rank                        | 4            | hyper_parameters.rank applies to LORA only, not DREAMBOOTH
            TEXTUAL_INVERSION | hyper_parameters.use_8bit_adam               | true         | hyper_parameters.use_8bit_adam applies to LORA and DREAMBOOTH only, not TEXTUAL_INVERSION
            TEXTUAL_INVERSION | hyper_parameters.with_prior_preservation     | true         | hyper_parameters.with_prior_preservation applies to LORA and DREAMBOOTH only, not TEXTUAL_INVERSION
            LORA              | hyper_parameters.learnable_property          | "style"      | hyper_parameters.learnable_property applies to TEXTUAL_INVERSION only, not LORA
            LORA              | hyper_parameters.with_prior_preservation     | true         | class_prompt is required with hyper_parameters.with_prior_preservation
            LORA              | instance_prompt                              | absent       | instance_prompt is required for LORA
            DREAMBOOTH        | instance_prompt                              | "  "         | instance_prompt must not be empty
            LORA              | instance_prompt                              | "a\\u0007b"  | instance_prompt contains the control character U+0007
            LORA              | class_prompt                                 | ""           | class_prompt must not be empty
            LORA              | validation_prompt                            | ""           | validation_prompt must not be empty
            LORA              | placeholder_token                            | "<cat-toy>"  | placeholder_token applies to TEXTUAL_INVERSION only, not LORA
            TEXTUAL_INVERSION | instance_prompt                              | "a photo"    | instance_prompt applies to LORA and DREAMBOOTH only: TEXTUAL_INVERSION captions from templates (learnable_property)
            TEXTUAL_INVERSION | placeholder_token                            | absent       | placeholder_token is required for TEXTUAL_INVERSION
            TEXTUAL_INVERSION | placeholder_token                            | "cat-toy"    | placeholder_token must be <name>, a name of 1 to 30 lower-case letters, digits, '-' or '_' between angle brackets, e.g. <cat-toy>, got 'cat-toy'
            TEXTUAL_INVERSION | placeholder_token                            | "<Cat-Toy>"  | placeholder_token must be <name>
            TEXTUAL_INVERSION | placeholder_token                            | "<cat toy>"  | placeholder_token must be <name>
            TEXTUAL_INVERSION | initializer_token                            | absent       | initializer_token is required for TEXTUAL_INVERSION
            TEXTUAL_INVERSION | initializer_token                            | "toy cat"    | initializer_token must be one word of 1 to 32 letters or digits, e.g. toy, got 'toy cat'
            LORA              | job_id                                       | absent       | job_id is required
            LORA              | job_id                                       | "../etc"     | job_id must be 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit, got '../etc'
            LORA              | base_model_id                                | "runwayml/stable-diffusion-v1-5" | base_model_id must be 1 to 64 lower-case letters
            LORA              | dataset_id                                   | "Cat-Toy"    | dataset_id must be 1 to 64 lower-case letters
            LORA              | method                                       | absent       | method is required
            LORA              | images                                       | []           | images must have between 1 and 100 entries, got 0
            LORA              | images                                       | absent       | images is required
            LORA              | images[0]                                    | null         | images[0] is required
            LORA              | images[1].key                                | "tenants/tenant-a/datasets/cat-toy/0.png" | images[1] repeats 'tenants/tenant-a/datasets/cat-toy/0.png'
            LORA              | images[0].key                                | "datasets/../0.png" | images[0].key must be a path of at most 1024 characters: '/'-separated names of letters, digits, '.', '_' or '-', none starting with '.', got 'datasets/../0.png'
            LORA              | images[0].key                                | "/datasets/0.png" | images[0].key must be a path
            LORA              | images[0].sha256                             | "ABC"        | images[0].sha256 must be 64 lower-case hexadecimal digits, got 'ABC'
            LORA              | images[0].size_bytes                         | 0            | images[0].size_bytes must be >= 1, got 0
            """)
    void eachRuleRejectsABadValueInWords(TrainingMethod method, String path, String value, String problem) {
        assertThat(Rejections.of(Samples.trainingRequest(method), path, value)).singleElement().asString().startsWith(problem);
    }

    @Test
    void valuesAtTheLimitsAreAccepted() {
        TrainingRequest lora = Samples.trainingRequest(TrainingMethod.LORA);

        assertThat(Rejections.of(lora, "hyper_parameters.learning_rate", "1")).isEmpty();
        assertThat(Rejections.of(lora, "hyper_parameters.resolution", "2048")).isEmpty();
        assertThat(Rejections.of(lora, "hyper_parameters.resolution", "64")).isEmpty();
        assertThat(Rejections.of(lora, "hyper_parameters.lr_warmup_steps", "400")).isEmpty();
        assertThat(Rejections.of(lora, "hyper_parameters.seed", "4294967295")).isEmpty();
        assertThat(Rejections.of(lora, "instance_prompt", "\"é".repeat(1000) + "\"")).as("characters, not bytes").isEmpty();
        assertThat(Rejections.of(lora, "job_id", "\"" + "a".repeat(64) + "\"")).isEmpty();
    }

    @Test
    void aPromptIsLimitedInCharacters() {
        assertThat(Rejections.of(Samples.trainingRequest(TrainingMethod.LORA), "instance_prompt", "\"" + "a".repeat(1001) + "\""))
                .containsExactly("instance_prompt is longer than 1000 characters (1001)");
    }

    @Test
    void aDatasetIsAHandfulOfImages() {
        List<StoredObject> images = IntStream.range(0, 101).mapToObj(i -> Samples.stored("datasets/d/" + i + ".png")).toList();
        TrainingRequest request = Samples.trainingRequest(TrainingMethod.LORA);
        TrainingRequest tooMany = new TrainingRequest(request.jobId(), request.tenant(), request.method(), request.baseModelId(),
                request.datasetId(), images, null, null, null, request.instancePrompt(), null, null, null);

        assertThatThrownBy(tooMany::validate).isInstanceOf(InvalidMessageException.class)
                .hasMessage("invalid training request: images must have between 1 and 100 entries, got 101");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        HyperParameters wrong = new HyperParameters(500, null, null, null, 5.0, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, 4, 2, null, null, null, null, null,
                null);
        TrainingRequest request = new TrainingRequest("Job 1", "tenant-a", TrainingMethod.TEXTUAL_INVERSION, "sd15", "d1",
                List.of(Samples.stored("datasets/d1/0.png")), null, "cat-toy", null, null, null, null, wrong);

        assertThat(catchThrowableOfType(InvalidMessageException.class, request::validate).problems()).containsExactly(
                        "job_id must be 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit, got 'Job 1'",
                        "placeholder_token must be <name>, a name of 1 to 30 lower-case letters, digits, '-' or '_' between "
                                + "angle brackets, e.g. <cat-toy>, got 'cat-toy'",
                        "initializer_token is required for TEXTUAL_INVERSION",
                        "hyper_parameters.resolution must be a multiple of 64, got 500",
                        "hyper_parameters.learning_rate must be > 0 and <= 1, got 5",
                        "hyper_parameters.rank applies to LORA only, not TEXTUAL_INVERSION",
                        "hyper_parameters.lora_conv_rank applies to LORA only, not TEXTUAL_INVERSION");
    }

    @Test
    void aMessageWithNothingInItListsWhatItNeeds() {
        TrainingRequest empty = new TrainingRequest(null, null, null, null, null, null, null, null, null, null, null, null, null);

        assertThat(catchThrowableOfType(InvalidMessageException.class, empty::validate).problems()).containsExactly("job_id is required", "tenant is required", "base_model_id is required", "dataset_id is required",
                        "images is required", "method is required");
        assertThat(Rejections.of(Samples.trainingRequest(TrainingMethod.LORA), "images",
                "[" + String.join(",", Collections.nCopies(2, "null")) + "]"))
                .containsExactly("images[0] is required", "images[1] is required");
    }

    @Test
    void itIsKeyedByItsJob() {
        assertThat(Samples.trainingRequest(TrainingMethod.LORA).key()).isEqualTo("job-1");
    }

    @Test
    void eachMethodProducesItsKindOfAdapter() {
        assertThat(TrainingMethod.TEXTUAL_INVERSION.produces()).hasToString("EMBEDDING");
        assertThat(TrainingMethod.LORA.produces()).hasToString("LORA");
        assertThat(TrainingMethod.DREAMBOOTH.produces()).hasToString("FULL_UNET");
    }
}
