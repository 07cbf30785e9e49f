package io.sdtune.contracts;

import io.sdtune.contracts.adapter.AdapterAnnouncement;
import io.sdtune.contracts.adapter.AdapterKind;
import io.sdtune.contracts.auth.ApiKey;
import io.sdtune.contracts.deadletter.DeadLetter;
import io.sdtune.contracts.generation.AppliedAdapter;
import io.sdtune.contracts.generation.GenerationRequest;
import io.sdtune.contracts.generation.GenerationResult;
import io.sdtune.contracts.training.TrainingCancellation;
import io.sdtune.contracts.training.TrainingEvent;
import io.sdtune.contracts.training.TrainingMethod;
import io.sdtune.contracts.training.TrainingRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A valid message of every kind, as the seed's cat-toy experiment would send them. */
public final class Samples {
    private Samples() {
    }

    public static StoredObject stored(String key) {
        return new StoredObject(key, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 2048L);
    }

    /** The seed's request for {@code method}, hyper-parameters left to the defaults. */
    public static TrainingRequest trainingRequest(TrainingMethod method) {
        List<StoredObject> images = List.of(stored("tenants/tenant-a/datasets/cat-toy/0.png"), stored("tenants/tenant-a/datasets/cat-toy/1.png"));
        boolean ti = method == TrainingMethod.TEXTUAL_INVERSION;
        return new TrainingRequest("job-1", "tenant-a", method, "stable-diffusion-v1-5", "cat-toy", images, null,
                ti ? "<cat-toy>" : null, ti ? "toy" : null, ti ? null : "a photo of <cat-toy>", null, null, null);
    }

    public static GenerationRequest generationRequest() {
        return new GenerationRequest("req-1", "tenant-a", "stable-diffusion-v1-5", "A <cat-toy> backpack", "blurry",
                List.of(new AppliedAdapter("lora-1", 0.8)), 30, 7.5, "dpmpp_2m", 42L, 512, 768, 2);
    }

    public static AdapterAnnouncement adapter() {
        return new AdapterAnnouncement("lora-1", "tenant-a", "cat toy", AdapterKind.LORA, "stable-diffusion-v1-5", "job-1",
                List.of(stored("tenants/tenant-a/adapters/lora-1/pytorch_lora_weights.safetensors")), List.of("<cat-toy>"));
    }

    public static ApiKey apiKey() {
        return new ApiKey("key-1", "tenant-a", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "ci pipeline", false);
    }

    /** One message of every type and variant. */
    public static List<Message> all() {
        return List.of(
                trainingRequest(TrainingMethod.TEXTUAL_INVERSION).withDefaults(),
                trainingRequest(TrainingMethod.LORA),
                trainingRequest(TrainingMethod.DREAMBOOTH).withDefaults(),
                new TrainingCancellation("job-1", "tenant-a"),
                new TrainingEvent.Queued("job-1", "tenant-a"),
                new TrainingEvent.Started("job-1"),
                new TrainingEvent.Started("job-1", 200),
                new TrainingEvent.Progress("job-1", 10, 400, 0.1234, 5e-4, 0.25, 97.5),
                new TrainingEvent.Checkpoint("job-1", 200, List.of(stored("checkpoints/job-1/200/state.safetensors"))),
                new TrainingEvent.Validation("job-1", 100, List.of(stored("tenants/tenant-a/images/job-1.validation-100/0.png"))),
                new TrainingEvent.Succeeded("job-1", "lora-1"),
                new TrainingEvent.Failed("job-1", "the initializer token 'toy cat' is 2 tokens"),
                new TrainingEvent.Cancelled("job-1"),
                adapter(),
                generationRequest(),
                new GenerationResult.Succeeded("req-1", List.of(stored("tenants/tenant-a/images/req-1/0.png"), stored("tenants/tenant-a/images/req-1/1.png")),
                        new GenerationResult.Timings(12, 340, 2100, 45)),
                new GenerationResult.Failed("req-1", "unknown adapter lora-9"),
                DeadLetter.of(Topics.TRAINING_REQUESTS, 3, 1234L, "job-1", "{not json".getBytes(StandardCharsets.UTF_8),
                        "not valid JSON at line 1, column 2"),
                apiKey());
    }
}
