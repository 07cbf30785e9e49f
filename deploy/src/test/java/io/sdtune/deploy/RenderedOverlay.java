package io.sdtune.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One overlay as {@code kubectl kustomize} renders it: what {@code kubectl apply -k} would send, generated names and
 * all. Documents are Jackson trees so the tests can break a copy in memory.
 */
public record RenderedOverlay(String name, List<ObjectNode> documents) {

    static final String KUBECTL = "/usr/bin/kubectl";
    static final ObjectMapper YAML = new YAMLMapper();

    /** Runs kubectl kustomize on {@code deploy/kubernetes/overlays/<name>} of the repository at {@code home}. */
    public static RenderedOverlay render(Path home, String name) {
        Path overlay = home.resolve("deploy/kubernetes/overlays").resolve(name);
        if (!Files.isExecutable(Path.of(KUBECTL))) {
            throw new IllegalStateException(KUBECTL + " is missing: install kubectl (v1.27 or later, Kustomize v5) to "
                    + "render " + overlay);
        }
        try {
            Process process = new ProcessBuilder(KUBECTL, "kustomize", overlay.toString())
                    .redirectErrorStream(false).start();
            // Read both streams before waiting: a full pipe would block kubectl.
            var err = process.getErrorStream();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String errors = new String(err.readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("kubectl kustomize " + overlay + " failed: " + errors);
            }
            return new RenderedOverlay(name, parse(out));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static List<ObjectNode> parse(String yaml) throws IOException {
        List<ObjectNode> documents = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(yaml)) {
            var values = YAML.readValues(parser, JsonNode.class);
            while (values.hasNext()) {
                JsonNode document = values.next();
                if (document instanceof ObjectNode object) {
                    documents.add(object);
                }
            }
        }
        return documents;
    }

    /** A deep copy, for a test to break. */
    public RenderedOverlay copy() {
        return new RenderedOverlay(name, documents.stream().map(ObjectNode::deepCopy)
                .collect(java.util.stream.Collectors.toCollection(ArrayList::new)));
    }

    public List<ObjectNode> ofKind(String kind) {
        return documents.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
    }

    public Optional<ObjectNode> find(String kind, String name) {
        return ofKind(kind).stream().filter(d -> name.equals(d.path("metadata").path("name").asText())).findFirst();
    }

    public ObjectNode get(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new AssertionError(this.name + " renders no " + kind + " " + name));
    }

    public static String describe(JsonNode document) {
        return document.path("kind").asText() + " " + document.path("metadata").path("name").asText();
    }
}
