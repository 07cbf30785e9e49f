package io.sdtune.storage.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sdtune.embedded.s3.LocalS3;
import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.ObjectStore;
import io.sdtune.storage.Shelf;
import io.sdtune.storage.StoreConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The base model Job's command: its flags, and a second run that finds the model there and does nothing. */
class PublishModelTest {
    @TempDir
    Path dir;

    @Test
    void takesBothFlagsInEitherForm() {
        assertThat(PublishModel.parse(List.of("--pretrained_model_name_or_path", "/model", "--model_id=sd-1.5")))
                .isEqualTo(new PublishModel(Path.of("/model"), "sd-1.5"));
    }

    @Test
    void aMissingUnknownRepeatedOrEmptyFlagIsNamed() {
        assertThatThrownBy(() -> PublishModel.parse(List.of("--model_id", "sd")))
                .hasMessageContaining("--pretrained_model_name_or_path and --model_id are required");
        assertThatThrownBy(() -> PublishModel.parse(List.of("--model-id", "sd")))
                .hasMessage("unrecognized argument --model-id");
        assertThatThrownBy(() -> PublishModel.parse(List.of("--model_id", "a", "--model_id", "b")))
                .hasMessage("--model_id given twice");
        assertThatThrownBy(() -> PublishModel.parse(List.of("--model_id", "--pretrained_model_name_or_path", "/m")))
                .hasMessage("--model_id expects a value");
    }

    @Test
    void publishesTheFolderOnceAndSaysSo() throws Exception {
        Path model = Files.createDirectories(dir.resolve("model/scheduler"));
        Files.writeString(model.resolve("scheduler_config.json"), "{}");
        Files.writeString(model.resolveSibling("model_index.json"), "{}");
        List<String> said = new ArrayList<>();
        try (LocalS3 s3 = LocalS3.start("key", "secret-key")) {
            StoreConfig store = new StoreConfig(s3.endpoint(), "key", "secret-key", "sdtune");
            PublishModel command = new PublishModel(model.getParent(), "sd-test");

            command.run(store, said::add);
            command.run(store, said::add);

            try (ObjectStore objects = ObjectStore.open(store)) {
                assertThat(new ArtifactStore(objects).manifest(Shelf.MODELS.at("sd-test"))).isPresent();
            }
        }
        assertThat(said).filteredOn(line -> !line.startsWith("publishing"))
                .containsExactly("published models/sd-test/", "models/sd-test/ is published already: nothing to do");
    }

    @Test
    void aFolderThatIsNotThereIsRefusedBeforeTheStoreIsReached() {
        StoreConfig unreachable = new StoreConfig("http://127.0.0.1:1", "key", "secret-key", "sdtune");

        assertThatThrownBy(() -> new PublishModel(dir.resolve("missing"), "sd").run(unreachable, line -> { }))
                .hasMessageContaining("is not a folder");
    }
}
