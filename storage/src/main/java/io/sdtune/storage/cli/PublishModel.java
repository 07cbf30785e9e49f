package io.sdtune.storage.cli;

import io.sdtune.storage.ArtifactStore;
import io.sdtune.storage.ModelShelf;
import io.sdtune.storage.ObjectStore;
import io.sdtune.storage.StoreConfig;
import io.sdtune.storage.cdi.StoreBeans;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * {@code publish-model --pretrained_model_name_or_path DIR --model_id ID}: puts a diffusers folder into the store as
 * the base model {@code models/<ID>/}, unless one of that id is there already - what Kubernetes' base model Job
 * runs, from any service image, since each holds this jar and its libraries:
 * {@code java -cp 'lib/boot/*:lib/main/*' io.sdtune.storage.cli.PublishModel ...}. The store is the one
 * {@code sdtune.store.*} name, read as the services read it (environment variables {@code SDTUNE_STORE_ENDPOINT},
 * ...; durations here in ISO-8601, {@code PT2M}, as Quarkus' shorter {@code 2m} is Quarkus' own).
 *
 * @param folder the diffusers folder ({@code model_index.json} at its top)
 * @param modelId the id the generator and the trainers name it by ({@code sdtune.generator.base-model})
 */
public record PublishModel(Path folder, String modelId) {
    static final String USAGE = "usage: publish-model --pretrained_model_name_or_path DIR --model_id ID";

    /**
     * Exit status 0 when the model is in the store (published now or before), 2 for bad arguments, 1 otherwise;
     * always by {@code System.exit}, as the store client's threads would keep the JVM alive.
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    private static int run(String[] args) {
        PublishModel command;
        try {
            command = parse(List.of(args));
        } catch (IllegalArgumentException e) {
            System.err.println("publish-model: " + e.getMessage());
            System.err.println(USAGE);
            return 2;
        }
        try {
            command.run(StoreBeans.storeConfig(ConfigProvider.getConfig()), System.out::println);
            return 0;
        } catch (IOException | RuntimeException e) {
            System.err.println("publish-model: " + (e instanceof IllegalArgumentException ? e.getMessage() : e));
            return 1;
        }
    }

    /** {@code --name value} or {@code --name=value}, each flag once, both required. */
    static PublishModel parse(List<String> args) {
        String folder = null;
        String modelId = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg : arg.substring(0, eq);
            String value;
            if (eq >= 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                value = args.get(++i);
            } else {
                throw new IllegalArgumentException(name + " expects a value");
            }
            switch (name) {
                case "--pretrained_model_name_or_path" -> folder = once(name, folder, value);
                case "--model_id" -> modelId = once(name, modelId, value);
                default -> throw new IllegalArgumentException("unrecognized argument " + name);
            }
        }
        if (folder == null || modelId == null) {
            throw new IllegalArgumentException("both --pretrained_model_name_or_path and --model_id are required");
        }
        return new PublishModel(Path.of(folder), modelId);
    }

    private static String once(String name, String previous, String value) {
        if (previous != null) {
            throw new IllegalArgumentException(name + " given twice");
        }
        return value;
    }

    /** Publishes the folder unless the model is there; says which. */
    public void run(StoreConfig store, Consumer<String> progress) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException(folder + " is not a folder: mount the diffusers folder there");
        }
        try (ObjectStore objects = ObjectStore.open(store)) {
            progress.accept("publishing " + folder + " as models/" + modelId + "/ in the bucket " + store.bucket()
                    + " at " + store.endpoint());
            boolean published = new ModelShelf(new ArtifactStore(objects)).publishIfAbsent(modelId, folder);
            progress.accept(published ? "published models/" + modelId + "/"
                    : "models/" + modelId + "/ is published already: nothing to do");
        }
    }
}
