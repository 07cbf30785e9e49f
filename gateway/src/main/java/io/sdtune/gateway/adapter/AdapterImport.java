package io.sdtune.gateway.adapter;

import io.sdtune.contracts.Topics;
import io.sdtune.contracts.adapter.AdapterAnnouncement;
import io.sdtune.contracts.adapter.AdapterKind;
import io.sdtune.contracts.validation.Limits;
import io.sdtune.contracts.validation.Problems;
import io.sdtune.contracts.validation.Syntax;
import io.sdtune.diffusion.training.LoraMethod;
import io.sdtune.diffusion.training.TextualInversionMethod;
import io.sdtune.gateway.api.MessageForm;
import io.sdtune.gateway.api.ProblemException;
import io.sdtune.gateway.messaging.Publisher;
import io.sdtune.gateway.model.DefaultBaseModel;
import io.sdtune.gateway.quota.Quotas;
import io.sdtune.storage.AdapterShelf;
import io.sdtune.storage.ArtifactFile;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/**
 * Imports a LoRA or an embedding made elsewhere: checked against its base model, rewritten in the layout the
 * generator reads (diffusers' {@code pytorch_lora_weights.safetensors} / {@code learned_embeds.safetensors}),
 * published under a new id on the caller's adapter shelf and announced on {@value Topics#ADAPTERS}, as a trained
 * adapter is (without a job). Every problem of the form is listed at once; a file that does not fit is refused
 * whole, and a refused import leaves nothing in the store.
 */
@ApplicationScoped
public class AdapterImport {

    /** The multipart form's fields; blank text fields are absent, as an HTML form sends an empty one. */
    public record Form(FileUpload file, String kind, String name, String triggerTokens, String baseModelId) {
    }

    @Inject
    AdapterShelf shelf;
    @Inject
    BaseModels baseModels;
    @Inject
    DefaultBaseModel defaultBaseModel;
    @Inject
    Publisher publisher;
    @Inject
    AdapterLimits limits;
    @Inject
    Quotas quotas;

    public Adapter importAdapter(String tenant, Form form) throws IOException {
        Problems problems = new Problems();
        FileUpload file = form.file();
        if (file == null) {
            problems.add("file", "is required: the adapter's .safetensors file");
        } else if (file.size() > limits.maxImportBytes()) {
            throw ProblemException.tooLarge("the file has " + file.size() + " bytes, at most " + limits.maxImportBytes()
                    + " bytes for an imported adapter (sdtune.gateway.adapters.max-import-bytes)");
        }
        AdapterKind kind = kind(form.kind(), problems);
        String name = blankIsAbsent(form.name());
        problems.text("name", name, Limits.MAX_NAME_CHARS, false);
        String tokens = blankIsAbsent(form.triggerTokens());
        List<String> triggerTokens = tokens == null ? List.of() : Arrays.asList(tokens.trim().split("\\s+"));
        problems.elements("trigger_tokens", triggerTokens, Limits.TRIGGER_TOKENS, Syntax.TRIGGER_TOKEN);
        if (kind == AdapterKind.EMBEDDING && triggerTokens.size() > 1) {
            problems.add("trigger_tokens", "an EMBEDDING has one token, the one its vectors are called by (a vector "
                    + "past the first is <token>_1, ...), got " + triggerTokens.size());
        }
        String baseModelId = Optional.ofNullable(blankIsAbsent(form.baseModelId())).orElse(defaultBaseModel.id());
        Optional<BaseModelShapes> base = baseModels.shapes(baseModelId);
        if (base.isEmpty()) {
            problems.add("base_model_id", "no base model '" + baseModelId + "' is in the store");
        }
        if (!problems.isEmpty()) {
            throw ProblemException.invalid("adapter import", problems.all());
        }
        quotas.checkStorage(tenant, file.size());
        try (TempFolder work = TempFolder.create("sdtune-import-")) {
            String uploaded = UploadedWeights.baseName(file.fileName());
            UploadedWeights.requireSafetensors(file.uploadedFile(), uploaded);
            Path converted;
            if (kind == AdapterKind.LORA) {
                converted = work.resolve(LoraMethod.ARTIFACT);
                LoraFormats.store(file.uploadedFile(), uploaded, base.get().loraLayers(), converted);
            } else {
                converted = work.resolve(TextualInversionMethod.ARTIFACT);
                triggerTokens = EmbeddingFormats.convert(file.uploadedFile(), uploaded,
                        triggerTokens.isEmpty() ? null : triggerTokens.get(0), base.get().textEncoder(), converted);
            }
            return Adapter.of(publish(tenant, name, kind, baseModelId, triggerTokens, converted), Instant.now());
        } catch (RefusedFile e) {
            throw ProblemException.invalid("adapter import", List.of("file: " + e.getMessage()));
        }
    }

    /** Stored, then announced; a failure of either deletes what was stored, so a failed import leaves nothing. */
    private AdapterAnnouncement publish(String tenant, String name, AdapterKind kind, String baseModelId,
            List<String> triggerTokens, Path file) throws IOException {
        String adapterId = MessageForm.newId();
        try {
            AdapterAnnouncement announced = shelf.publish(tenant, adapterId, name, kind, baseModelId, null, triggerTokens,
                    List.of(new ArtifactFile(file.getFileName().toString(), Files.size(file), () -> Files.newInputStream(file))));
            quotas.stored(tenant);
            publisher.publish(Topics.ADAPTERS, announced);
            return announced;
        } catch (IOException | RuntimeException e) {
            try {
                shelf.delete(tenant, adapterId);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private static AdapterKind kind(String kind, Problems problems) {
        if (kind == null || kind.isBlank()) {
            problems.add("kind", "is required: LORA or EMBEDDING");
            return null;
        }
        if (kind.equals(AdapterKind.LORA.name()) || kind.equals(AdapterKind.EMBEDDING.name())) {
            return AdapterKind.valueOf(kind);
        }
        problems.add("kind", "must be LORA or EMBEDDING (a DreamBooth model is not imported), got '" + kind + "'");
        return null;
    }

    private static String blankIsAbsent(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
