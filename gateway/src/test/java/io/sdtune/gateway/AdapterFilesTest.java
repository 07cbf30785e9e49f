package io.sdtune.gateway;

import static io.sdtune.gateway.Callers.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.sdtune.contracts.Topics;
import io.sdtune.contracts.adapter.AdapterAnnouncement;
import io.sdtune.contracts.adapter.AdapterKind;
import io.sdtune.contracts.json.JsonCodec;
import io.sdtune.diffusion.graph.DType;
import io.sdtune.diffusion.graph.Shape;
import io.sdtune.diffusion.graph.TensorData;
import io.sdtune.diffusion.nn.clip.ClipTextConfig;
import io.sdtune.diffusion.pipeline.StableDiffusion;
import io.sdtune.diffusion.pipeline.TinyModel;
import io.sdtune.diffusion.weights.LoraFile;
import io.sdtune.diffusion.weights.SafeTensors;
import io.sdtune.gateway.adapter.TinyLoras;
import io.sdtune.storage.AdapterShelf;
import io.sdtune.storage.ArtifactFile;
import io.sdtune.storage.ObjectStore;
import io.sdtune.storage.StoredFile;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adapter files through the API: listed, downloaded as stored (verified) or converted (kohya's keys, a DreamBooth
 * model as one checkpoint or a zip), imported (kohya, A1111), refused, deleted; another tenant's adapter is unknown.
 * Adapters "trained" here are put in the store and announced as the trainer does (AdapterShelf, then the topic), for
 * the base model {@value Platform#TINY}. The calls are the caller's, {@value #TENANT}.
 */
@QuarkusTest
@WithTestResource(value = Platform.class, scope = TestResourceScope.MATCHING_RESOURCES)
class AdapterFilesTest {
    private static final String TENANT = "tenant-a";
    private static final String OTHER_TENANT = "tenant-b";
    private static final String LORA_FILE = "pytorch_lora_weights.safetensors";

    @Inject
    AdapterShelf shelf;
    @Inject
    ObjectStore objects;

    @TempDir
    Path dir;

    /** Stored and announced as the trainer publishes an adapter; the announcement read back by the gateway. */
    private AdapterAnnouncement trained(String tenant, AdapterKind kind, List<String> triggerTokens, List<ArtifactFile> files)
            throws IOException {
        String id = UUID.randomUUID().toString();
        AdapterAnnouncement announced = shelf.publish(tenant, id, null, kind, Platform.TINY, id, triggerTokens, files);
        Broker.publish(Topics.ADAPTERS, announced);
        return announced;
    }

    /** A trained LoRA: the kohya file {@code seed} makes, stored in diffusers' layout as the trainer writes it. */
    private AdapterAnnouncement trainedLora(String tenant, long seed) throws IOException {
        Path kohya = TinyLoras.write(dir.resolve("kohya-" + seed + ".safetensors"), TinyLoras.kohya(seed));
        Path diffusers = dir.resolve("diffusers-" + seed + ".safetensors");
        LoraFile.read(kohya, TinyLoras.LAYERS).write(diffusers, LoraFile.Layout.DIFFUSERS);
        return trained(tenant, AdapterKind.LORA, List.of("<tiny>"), List.of(ArtifactFile.of(LORA_FILE, Files.readAllBytes(diffusers))));
    }

    private static String filesOf(String id) {
        return "/api/adapters/" + id + "/files";
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private Path saved(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void aLoraIsListedWithItsFileAndDownloadedAsStored() throws Exception {
        AdapterAnnouncement lora = trainedLora(TENANT, 1);
        StoredFile stored = shelf.manifest(TENANT, lora.adapterId()).orElseThrow().files().get(0);

        given().get(filesOf(lora.adapterId())).then().statusCode(200)
                .body("name", contains(LORA_FILE))
                .body("[0].size_bytes", equalTo((int) stored.size()))
                .body("[0].sha256", equalTo(stored.sha256()))
                .body("[0].formats", contains("diffusers", "kohya"));
        Response download = given().get(filesOf(lora.adapterId()) + "/" + LORA_FILE);

        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.header("Content-Disposition")).isEqualTo("attachment; filename=\"" + LORA_FILE + "\"");
        assertThat(download.header("Content-Length")).isEqualTo(Long.toString(stored.size()));
        assertThat(sha256(download.asByteArray())).isEqualTo(stored.sha256());
    }

    @Test
    void aLoraWithKohyasKeysIsTheSameTensors() throws Exception {
        AdapterAnnouncement lora = trainedLora(TENANT, 2);

        Response download = given().queryParam("format", "kohya").get(filesOf(lora.adapterId()) + "/" + LORA_FILE);

        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.header("Content-Disposition")).isEqualTo("attachment; filename=\"" + lora.adapterId() + ".safetensors\"");
        byte[] kohya = download.asByteArray();
        assertThat(download.header("Content-Length")).isEqualTo(Integer.toString(kohya.length));
        assertThat(TinyLoras.kohyaValues(saved("downloaded.safetensors", kohya)))
                .isEqualTo(TinyLoras.kohyaValues(TinyLoras.write(dir.resolve("original.safetensors"), TinyLoras.kohya(2))));
    }

    @Test
    void aFormatTheFileIsNotOfferedInIsRefused() throws Exception {
        AdapterAnnouncement lora = trainedLora(TENANT, 3);

        given().queryParam("format", "zip").get(filesOf(lora.adapterId()) + "/" + LORA_FILE).then().statusCode(400)
                .body("problems", contains("format: " + LORA_FILE + " of a LORA adapter is offered as [diffusers, kohya], got 'zip'"));
        given().get(filesOf(lora.adapterId()) + "/other.safetensors").then().statusCode(404)
                .body("detail", containsString("has no file other.safetensors"));
    }

    @Test
    void aKohyaLoraIsImportedThenDownloadedInDiffusersKeysWithTheSameTensors() throws Exception {
        Path kohya = TinyLoras.write(dir.resolve("my-style.safetensors"), TinyLoras.kohya(4));

        Response created = given().multiPart("file", "my-style.safetensors", Files.readAllBytes(kohya))
                .multiPart("kind", "LORA").multiPart("name", "My style").multiPart("trigger_tokens", "mystyle <my-style>")
                .multiPart("base_model_id", Platform.TINY)
                .post("/api/adapters");

        created.then().statusCode(201)
                .body("kind", equalTo("LORA"))
                .body("name", equalTo("My style"))
                .body("base_model_id", equalTo(Platform.TINY))
                .body("trigger_tokens", contains("mystyle", "<my-style>"))
                .body("job_id", nullValue());
        String id = created.path("id");
        AdapterAnnouncement announced = JsonCodec.decode(Broker.await(Topics.ADAPTERS, id).value()
                .getBytes(StandardCharsets.UTF_8), AdapterAnnouncement.class);
        assertThat(announced.tenant()).isEqualTo(TENANT);
        assertThat(announced.name()).isEqualTo("My style");
        assertThat(announced.jobId()).isNull();
        Broker.eventually("the imported adapter in the list",
                () -> given().get("/api/adapters").then().extract().<List<String>>path("id").contains(id));

        byte[] stored = given().get(filesOf(id) + "/" + LORA_FILE).then().statusCode(200).extract().asByteArray();
        Path expected = dir.resolve("expected.safetensors");
        LoraFile.read(kohya, TinyLoras.LAYERS).write(expected, LoraFile.Layout.DIFFUSERS);
        assertThat(TinyLoras.tensors(saved("stored.safetensors", stored))).isEqualTo(TinyLoras.tensors(expected));
        assertThat(created.<Integer>path("size_bytes")).isEqualTo(stored.length);
    }

    @Test
    void anAutomatic1111EmbeddingIsImportedUnderItsFileName() throws Exception {
        Path a1111 = TinyLoras.write(dir.resolve("EasyStyle.safetensors"), Map.of("emb_params",
                TensorData.randn(DType.FLOAT32, Shape.of(2, ClipTextConfig.tiny().hiddenSize()), 1, new Random(5))));

        Response created = given().multiPart("file", "EasyStyle.safetensors", Files.readAllBytes(a1111))
                .multiPart("kind", "EMBEDDING").multiPart("base_model_id", Platform.TINY)
                .post("/api/adapters");

        created.then().statusCode(201).body("kind", equalTo("EMBEDDING")).body("trigger_tokens", contains("EasyStyle", "EasyStyle_1"));
        String id = created.path("id");
        given().get(filesOf(id)).then().statusCode(200).body("name", contains("learned_embeds.safetensors"));
        byte[] stored = given().get(filesOf(id) + "/learned_embeds.safetensors").then().statusCode(200).extract().asByteArray();
        try (SafeTensors embeds = SafeTensors.open(saved("learned_embeds.safetensors", stored));
                SafeTensors original = SafeTensors.open(a1111)) {
            assertThat(embeds.keys()).containsExactly("EasyStyle");
            assertThat(embeds.get("EasyStyle").toFloatArray()).containsExactly(original.get("emb_params").toFloatArray());
        }
    }

    @Test
    void importsThatDoNotFitAreRefusedWithTheirProblemsAndStoreNothing() throws Exception {
        List<String> before = objects.list("tenants/" + TENANT + "/adapters/");
        Map<String, TensorData> strange = new LinkedHashMap<>(TinyLoras.kohya(6));
        strange.put("lora_unet_mid_block_no_such_layer.lora_down.weight", TensorData.randn(DType.FLOAT16, Shape.of(4, 32), 1, new Random(6)));
        Map<String, TensorData> misfit = new LinkedHashMap<>(TinyLoras.kohya(7));
        String up = TinyLoras.kohyaName("lora_unet_", TinyLoras.UNET_LAYER) + ".lora_up.weight";
        misfit.put(up, TensorData.randn(DType.FLOAT16, Shape.of(33, 4), 1, new Random(7)));

        given().multiPart("file", "strange.safetensors", Files.readAllBytes(TinyLoras.write(dir.resolve("s"), strange)))
                .multiPart("kind", "LORA").multiPart("base_model_id", Platform.TINY).post("/api/adapters")
                .then().statusCode(400)
                .body("problems[0]", containsString("file: strange.safetensors: 1 LoRA keys match no layer"))
                .body("problems[0]", containsString("lora_unet_mid_block_no_such_layer.lora_down.weight"));
        given().multiPart("file", "misfit.safetensors", Files.readAllBytes(TinyLoras.write(dir.resolve("m"), misfit)))
                .multiPart("kind", "LORA").multiPart("base_model_id", Platform.TINY).post("/api/adapters")
                .then().statusCode(400)
                .body("problems[0]", containsString("'" + up + "' is [33, 4]"));
        given().multiPart("file", "lora.ckpt", new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0})
                .multiPart("kind", "LORA").multiPart("base_model_id", Platform.TINY).post("/api/adapters")
                .then().statusCode(400)
                .body("problems", contains(containsString("file: lora.ckpt is a PyTorch pickle (.ckpt): loading a pickle can run any code")));
        // every problem of the form at once; the profile's default base model is not in this store
        given().multiPart("file", "x.safetensors", Files.readAllBytes(TinyLoras.write(dir.resolve("x"), TinyLoras.kohya(8))))
                .multiPart("kind", "FULL_UNET").multiPart("trigger_tokens", "a b").post("/api/adapters")
                .then().statusCode(400)
                .body("problems", contains("kind must be LORA or EMBEDDING (a DreamBooth model is not imported), got 'FULL_UNET'",
                        "base_model_id no base model 'stable-diffusion-v1-5' is in the store"));
        given().multiPart("kind", "EMBEDDING").multiPart("trigger_tokens", "<a> <b>").multiPart("base_model_id", Platform.TINY)
                .post("/api/adapters")
                .then().statusCode(400)
                .body("problems", contains("file is required: the adapter's .safetensors file",
                        "trigger_tokens an EMBEDDING has one token, the one its vectors are called by (a vector past the first "
                                + "is <token>_1, ...), got 2"));

        assertThat(objects.list("tenants/" + TENANT + "/adapters/")).isEqualTo(before);
    }

    @Test
    void anImportOverItsBoundIsTooLarge() {
        // the test profile's bound: 256 KiB, with 64 KiB more for the form's other parts
        given().multiPart("file", "huge.safetensors", new byte[400 * 1024]).multiPart("kind", "LORA")
                .post("/api/adapters")
                .then().statusCode(413)
                .body("detail", containsString("for an adapter import (a file of 262144 bytes"));
        given().multiPart("file", "big.safetensors", new byte[300 * 1024]).multiPart("kind", "LORA")
                .post("/api/adapters")
                .then().statusCode(413)
                .body("detail", equalTo("the file has 307200 bytes, at most 262144 bytes for an imported adapter "
                        + "(sdtune.gateway.adapters.max-import-bytes)"));
    }

    @Test
    void aDreamBoothModelAsOneCheckpointAndAsAZip() throws Exception {
        Path model = dir.resolve("dreambooth");
        TinyModel.write(model, TinyModel.Architecture.TINY, DType.FLOAT32, 9, component -> { });
        AdapterAnnouncement dreamBooth = trained(TENANT, AdapterKind.FULL_UNET, List.of("<sks>"), ArtifactFile.allIn(model));
        String id = dreamBooth.adapterId();

        given().get(filesOf(id)).then().statusCode(200)
                .body("find { it.name == 'model_index.json' }.formats", contains("diffusers", "single_file", "zip"))
                .body("find { it.name == 'unet/diffusion_pytorch_model.safetensors' }.formats", contains("diffusers"));
        Response single = given().queryParam("format", "single_file").get(filesOf(id) + "/model_index.json");
        Path expected = dir.resolve("expected.safetensors");
        try (StableDiffusion sd = StableDiffusion.load(model)) {
            sd.ldmCheckpoint(false).write(expected);
        }

        assertThat(single.statusCode()).isEqualTo(200);
        assertThat(single.header("Content-Disposition")).isEqualTo("attachment; filename=\"" + id + ".safetensors\"");
        assertThat(single.header("Content-Length")).isEqualTo(Long.toString(Files.size(expected)));
        assertThat(sha256(single.asByteArray())).isEqualTo(sha256(Files.readAllBytes(expected)));
        Response half = given().queryParam("format", "single_file").queryParam("half", true).get(filesOf(id) + "/model_index.json");
        assertThat(half.statusCode()).isEqualTo(200);
        assertThat(Long.parseLong(half.header("Content-Length"))).isLessThan(Files.size(expected));

        Response zip = given().queryParam("format", "zip").get(filesOf(id) + "/model_index.json");
        assertThat(zip.statusCode()).isEqualTo(200);
        assertThat(zip.header("Content-Disposition")).isEqualTo("attachment; filename=\"" + id + ".zip\"");
        Map<String, String> entries = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip.asByteArray()))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                entries.put(entry.getName(), sha256(in.readAllBytes()));
            }
        }
        Map<String, String> folder = new LinkedHashMap<>();
        for (ArtifactFile file : ArtifactFile.allIn(model)) {
            folder.put(id + "/" + file.path(), sha256(Files.readAllBytes(model.resolve(file.path()))));
        }
        assertThat(entries).isEqualTo(folder);
    }

    @Test
    void theGatewayRunsTheEngineWithoutOnnxRuntime() {
        // Excluded from the gateway's dependencies: only the engine's weights and config code runs here.
        assertThatThrownBy(() -> Class.forName("ai.onnxruntime.OrtEnvironment")).isInstanceOf(ClassNotFoundException.class);
    }

    @Test
    void aStoredFileThatNoLongerMatchesItsManifestIsNeverDeliveredWhole() throws Exception {
        // Larger than any response buffer, so the answer has begun when the mismatch is found at the end.
        byte[] bytes = new byte[3 << 20];
        new Random(10).nextBytes(bytes);
        AdapterAnnouncement lora = trained(TENANT, AdapterKind.LORA, List.of(), List.of(ArtifactFile.of(LORA_FILE, bytes)));
        StoredFile stored = shelf.manifest(TENANT, lora.adapterId()).orElseThrow().files().get(0);
        bytes[bytes.length - 1] ^= 1;
        objects.put(stored.key(), bytes);

        // Content-Length announced the whole file; the last chunk was held back: the body ends short and the
        // connection is closed, which the client reports as a failed read, never as a complete file.
        assertThatThrownBy(() -> given().get(filesOf(lora.adapterId()) + "/" + LORA_FILE))
                .hasMessageContaining("Premature end of Content-Length delimited message body (expected: "
                        + String.format("%,d", bytes.length) + "; received: ");
    }

    @Test
    void aSmallStoredFileThatNoLongerMatchesIsAnError() throws Exception {
        AdapterAnnouncement lora = trainedLora(TENANT, 11);
        StoredFile stored = shelf.manifest(TENANT, lora.adapterId()).orElseThrow().files().get(0);
        byte[] bytes = objects.readVerified(stored);
        bytes[bytes.length - 1] ^= 1;
        objects.put(stored.key(), bytes);

        // Nothing of it has left the gateway when the mismatch is found: the answer is the error, whose id is in the
        // log beside the mismatch; the store's key is not told.
        given().get(filesOf(lora.adapterId()) + "/" + LORA_FILE).then().statusCode(500)
                .body("detail", startsWith("the gateway failed; error id "))
                .body("detail", not(containsString(stored.key())));
    }

    @Test
    void aDeletedAdapterIsGoneFromStoreListAndTopic() throws Exception {
        AdapterAnnouncement lora = trainedLora(TENANT, 12);
        String id = lora.adapterId();
        Broker.eventually("the adapter in the list",
                () -> given().get("/api/adapters").then().extract().<List<String>>path("id").contains(id));

        given().delete("/api/adapters/" + id).then().statusCode(204);

        ConsumerRecord<String, String> tombstone = Broker.awaitTombstone(Topics.ADAPTERS, id);
        assertThat(tombstone.value()).isNull();
        assertThat(objects.list(AdapterShelf.at(TENANT, id).prefix())).isEmpty();
        given().get(filesOf(id)).then().statusCode(404).body("detail", equalTo("no adapter " + id));
        Broker.eventually("the adapter gone from the list",
                () -> !given().get("/api/adapters").then().extract().<List<String>>path("id").contains(id));
        given().delete("/api/adapters/" + id).then().statusCode(404);
    }

    @Test
    void anotherTenantsAdapterIsUnknown() throws Exception {
        AdapterAnnouncement theirs = trainedLora(OTHER_TENANT, 13);
        String id = theirs.adapterId();
        String unknown = UUID.randomUUID().toString();
        // announced: the gateway has read it, and lists it only to its owner
        Broker.await(Topics.ADAPTERS, id);
        AdapterAnnouncement mine = trainedLora(TENANT, 14);
        Broker.eventually("the caller's own adapter in the list",
                () -> given().get("/api/adapters").then().extract().<List<String>>path("id").contains(mine.adapterId()));

        given().get("/api/adapters").then().statusCode(200).body("id", not(hasItem(id)));
        String theirsBody = given().get(filesOf(id)).then().statusCode(404).extract().asString();
        String unknownBody = given().get(filesOf(unknown)).then().statusCode(404).extract().asString();
        assertThat(theirsBody.replace(id, "ID")).isEqualTo(unknownBody.replace(unknown, "ID"));
        given().get(filesOf(id) + "/" + LORA_FILE).then().statusCode(404).body("detail", equalTo("no adapter " + id));
        given().queryParam("format", "kohya").get(filesOf(id) + "/" + LORA_FILE).then().statusCode(404);
        given().delete("/api/adapters/" + id).then().statusCode(404).body("detail", equalTo("no adapter " + id));

        assertThat(shelf.manifest(OTHER_TENANT, id)).isPresent();
        Callers.as(Callers.TENANT_B).get(filesOf(id) + "/" + LORA_FILE).then().statusCode(200);
    }
}
