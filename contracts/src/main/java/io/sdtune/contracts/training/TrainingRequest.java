package io.sdtune.contracts.training;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.sdtune.contracts.Message;
import io.sdtune.contracts.SchemaVersion;
import io.sdtune.contracts.StoredObject;
import io.sdtune.contracts.validation.Limits;
import io.sdtune.contracts.validation.Problems;
import io.sdtune.contracts.validation.Syntax;
import java.util.List;

/**
 * Train {@code method} on the images of a dataset, starting from a base model. Textual Inversion names
 * its new token ({@code placeholder_token}, started from {@code initializer_token}) and captions the images
 * from templates; LoRA and DreamBooth caption every image with {@code instance_prompt}, and with prior
 * preservation also draw images of {@code class_prompt}. {@code hyper_parameters} may be left out in part
 * or whole: see {@link #withDefaults()}. {@code captions}, when the dataset has them, is its {@code metadata.jsonl}
 * (diffusers' imagefolder: one {@code {"file_name", "text"}} object a line, by the images' names in the dataset): a
 * captioned image trains on its caption instead of {@code instance_prompt} or the templates, as kohya's captioned
 * datasets do. {@code tenant} owns the job, its dataset and what it makes; the gateway sets it from the caller's
 * credentials.
 */
@SchemaVersion(value = 3, alsoReads = 2) // 2 added tenant, 3 captions (optional)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TrainingRequest(
        String jobId,
        String tenant,
        TrainingMethod method,
        String baseModelId,
        String datasetId,
        List<StoredObject> images,
        StoredObject captions,
        String placeholderToken,
        String initializerToken,
        String instancePrompt,
        String classPrompt,
        String validationPrompt,
        HyperParameters hyperParameters) implements Message {

    @Override
    public String key() {
        return jobId;
    }

    /**
     * This request with every hyper-parameter it leaves out at the seed's value for its method. The gateway
     * publishes requests this way, so the record of a job says what it trained with, whatever later
     * defaults become.
     */
    public TrainingRequest withDefaults() {
        return method == null ? this : new TrainingRequest(jobId, tenant, method, baseModelId, datasetId, images,
                captions, placeholderToken, initializerToken, instancePrompt, classPrompt, validationPrompt,
                SeedDefaults.apply(method, hyperParameters));
    }

    /** Checks the request as it will train: with defaults applied, so their combinations are checked too. */
    @Override
    public void check(Problems p) {
        p.required("job_id", jobId, Syntax.ID);
        p.required("tenant", tenant, Syntax.ID);
        p.required("base_model_id", baseModelId, Syntax.ID);
        p.required("dataset_id", datasetId, Syntax.ID);
        p.required("images", images);
        p.elements("images", images, Limits.TRAINING_IMAGES, StoredObject::key);
        if (captions != null) {
            captions.check(p.at("captions"));
        }
        p.matches("placeholder_token", placeholderToken, Syntax.PLACEHOLDER_TOKEN);
        p.matches("initializer_token", initializerToken, Syntax.INITIALIZER_TOKEN);
        p.text("instance_prompt", instancePrompt, Limits.MAX_PROMPT_CHARS, false);
        p.text("class_prompt", classPrompt, Limits.MAX_PROMPT_CHARS, false);
        p.text("validation_prompt", validationPrompt, Limits.MAX_PROMPT_CHARS, false);
        if (!p.required("method", method)) {
            return;
        }
        if (method == TrainingMethod.TEXTUAL_INVERSION) {
            requiredFor(p, "placeholder_token", placeholderToken);
            requiredFor(p, "initializer_token", initializerToken);
            String templates = "applies to LORA and DREAMBOOTH only: TEXTUAL_INVERSION captions from templates "
                    + "(learnable_property)";
            p.absent("instance_prompt", instancePrompt, templates);
            p.absent("class_prompt", classPrompt, templates);
        } else {
            requiredFor(p, "instance_prompt", instancePrompt);
            String tiOnly = "applies to TEXTUAL_INVERSION only, not " + method;
            p.absent("placeholder_token", placeholderToken, tiOnly);
            p.absent("initializer_token", initializerToken, tiOnly);
        }
        HyperParameters resolved = withDefaults().hyperParameters();
        if (method != TrainingMethod.TEXTUAL_INVERSION && Boolean.TRUE.equals(resolved.withPriorPreservation())
                && classPrompt == null) {
            p.add("class_prompt", "is required with hyper_parameters.with_prior_preservation");
        }
        resolved.check(p.at("hyper_parameters"), method);
    }

    private void requiredFor(Problems p, String field, String value) {
        if (value == null) {
            p.add(field, "is required for " + method);
        }
    }
}
