package io.sdtune.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sdtune.contracts.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What the API's types cannot say about the rendered manifests: the project's own rules for its pods, and that
 * the manifests agree with the code - the settings each service reads, the topics, the consumer groups.
 */
final class ManifestRules {
    /** Each service's Deployment and the module that is its image and its settings. */
    static final Map<String, String> SERVICES = Map.of("gateway", "gateway", "trainer", "trainer-service",
            "generator", "generator-service");
    /** Each Job and the module whose command it runs, from a project image. */
    static final Map<String, String> COMMANDS = Map.of("base-model", "storage");
    static final Set<String> GPU_SERVICES = Set.of("trainer", "generator");
    static final String GPU = "nvidia.com/gpu";
    static final Map<String, String> PROBES = Map.of("startupProbe", "/q/health/started",
            "livenessProbe", "/q/health/live", "readinessProbe", "/q/health/ready");

    private final String version;
    private final Path home;
    private final Map<String, ServiceSettings> settings;

    /** {@code settingsByWorkload}: each service's Deployment and each command's Job, and what it reads. */
    ManifestRules(Path home, String version, Map<String, ServiceSettings> settingsByWorkload) {
        this.home = home;
        this.version = version;
        this.settings = settingsByWorkload;
    }

    List<String> problems(RenderedOverlay overlay) {
        List<String> problems = new ArrayList<>();
        for (ObjectNode workload : workloads(overlay)) {
            String name = workload.path("metadata").path("name").asText();
            JsonNode pod = workload.path("spec").path("template");
            boolean ours = "sdtune".equals(pod.path("metadata").path("labels").path("app.kubernetes.io/part-of").asText());
            for (JsonNode container : containers(pod.path("spec"))) {
                String where = RenderedOverlay.describe(workload) + " container " + container.path("name").asText();
                resources(where, container, problems);
                image(where, container, problems);
                gpu(where, overlay.name(), name, workload.path("kind").asText(), container, problems);
                if (ours) {
                    security(where, pod.path("spec"), container, problems);
                }
            }
            if (ours && workload.path("kind").asText().equals("Deployment") && SERVICES.containsKey(name)) {
                service(overlay, workload, problems);
            }
            if (workload.path("kind").asText().equals("Job") && COMMANDS.containsKey(name)) {
                command(overlay, workload, problems);
            }
        }
        serviceAccounts(overlay, problems);
        if (overlay.ofKind("NetworkPolicy").stream().noneMatch(ManifestRules::deniesAll)) {
            problems.add(overlay.name() + ": no NetworkPolicy denies all ingress and egress by default");
        }
        topics(overlay, problems);
        scaledObjects(overlay, problems);
        return problems;
    }

    private static List<ObjectNode> workloads(RenderedOverlay overlay) {
        return Stream.of("Deployment", "StatefulSet", "Job").flatMap(k -> overlay.ofKind(k).stream()).toList();
    }

    private static List<JsonNode> containers(JsonNode podSpec) {
        List<JsonNode> all = new ArrayList<>();
        podSpec.path("initContainers").forEach(all::add);
        podSpec.path("containers").forEach(all::add);
        return all;
    }

    private static void resources(String where, JsonNode container, List<String> problems) {
        JsonNode resources = container.path("resources");
        if (resources.path("requests").isEmpty() || resources.path("limits").isEmpty()) {
            problems.add(where + ": resources need requests and limits");
        } else if (!resources.path("limits").has("memory")) {
            problems.add(where + ": no memory limit");
        }
    }

    private void image(String where, JsonNode container, List<String> problems) {
        String image = container.path("image").asText();
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        String tag = colon > slash ? image.substring(colon + 1) : "";
        if (tag.isEmpty() || tag.equals("latest")) {
            problems.add(where + ": image " + image + " names no version (no tag, or latest)");
        } else if (image.startsWith("sdtune/") && !(tag.equals(version) || tag.startsWith(version + "-"))) {
            problems.add(where + ": image " + image + " is not the project's version " + version);
        }
    }

    private static void gpu(String where, String overlay, String name, String kind, JsonNode container,
            List<String> problems) {
        JsonNode resources = container.path("resources");
        boolean asks = resources.path("limits").has(GPU) || resources.path("requests").has(GPU);
        boolean gpuService = overlay.equals("production") && kind.equals("Deployment") && GPU_SERVICES.contains(name);
        if (asks && !gpuService) {
            problems.add(where + ": asks for " + GPU + " (only the trainer and the generator do, in production)");
        } else if (gpuService && resources.path("limits").path(GPU).asInt() < 1) {
            problems.add(where + ": no " + GPU + " limit in production");
        }
    }

    /** The container's setting where it has one, else the pod's (Kubernetes' precedence). */
    private static void security(String where, JsonNode podSpec, JsonNode container, List<String> problems) {
        JsonNode own = container.path("securityContext");
        JsonNode pod = podSpec.path("securityContext");
        if (!(own.has("runAsNonRoot") ? own : pod).path("runAsNonRoot").asBoolean()) {
            problems.add(where + ": not runAsNonRoot");
        }
        String seccomp = (own.has("seccompProfile") ? own : pod).path("seccompProfile").path("type").asText();
        if (!seccomp.equals("RuntimeDefault")) {
            problems.add(where + ": seccompProfile is not RuntimeDefault");
        }
        if (!own.path("allowPrivilegeEscalation").isBoolean() || own.path("allowPrivilegeEscalation").asBoolean()) {
            problems.add(where + ": allowPrivilegeEscalation is not false");
        }
        if (!own.path("readOnlyRootFilesystem").asBoolean()) {
            problems.add(where + ": readOnlyRootFilesystem is not true");
        }
        JsonNode drop = own.path("capabilities").path("drop");
        if (!(drop.size() == 1 && drop.get(0).asText().equals("ALL")) || own.path("capabilities").has("add")) {
            problems.add(where + ": capabilities do not drop ALL (and add none)");
        }
    }

    private void service(RenderedOverlay overlay, ObjectNode deployment, List<String> problems) {
        String name = deployment.path("metadata").path("name").asText();
        JsonNode podSpec = deployment.path("spec").path("template").path("spec");
        JsonNode container = podSpec.path("containers").path(0);
        String where = RenderedOverlay.describe(deployment);
        if (!container.path("image").asText().startsWith("sdtune/" + SERVICES.get(name) + ":")) {
            problems.add(where + ": image " + container.path("image").asText() + " is not sdtune/" + SERVICES.get(name));
        }
        Map<String, String> environment = environment(overlay, where, container, problems);
        int port = Integer.parseInt(environment.getOrDefault("QUARKUS_HTTP_PORT", "8080"));
        PROBES.forEach((probe, path) -> {
            JsonNode get = container.path(probe).path("httpGet");
            if (get.isMissingNode()) {
                problems.add(where + ": no " + probe);
            } else if (!get.path("path").asText().equals(path) || port(container, get.path("port")) != port) {
                problems.add(where + ": " + probe + " is not GET " + path + " on port " + port + " but "
                        + get.path("path").asText() + " on " + get.path("port").asText());
            }
        });
        ServiceSettings service = settings.get(name);
        for (String variable : environment.keySet()) {
            if (!service.reads(variable)) {
                problems.add(where + ": sets " + variable + ", which names no setting of " + service.module());
            }
        }
        String account = podSpec.path("serviceAccountName").asText();
        if (overlay.find("ServiceAccount", account).isEmpty()) {
            problems.add(where + ": its ServiceAccount '" + account + "' is not in the manifests");
        }
    }

    /**
     * A command's Job runs a main class of its module from a project image, and every variable it sets is a setting
     * the module reads or one its arguments name ({@code $(MODEL_ID)}).
     */
    private void command(RenderedOverlay overlay, ObjectNode job, List<String> problems) {
        String name = job.path("metadata").path("name").asText();
        String where = RenderedOverlay.describe(job);
        JsonNode container = job.path("spec").path("template").path("spec").path("containers").path(0);
        if (!container.path("image").asText().startsWith("sdtune/")) {
            problems.add(where + ": image " + container.path("image").asText() + " is not one of the project's");
        }
        String module = COMMANDS.get(name);
        List<String> command = new ArrayList<>();
        container.path("command").forEach(c -> command.add(c.asText()));
        String mainClass = command.isEmpty() ? "" : command.get(command.size() - 1);
        Path source = home.resolve(module).resolve("src/main/java").resolve(mainClass.replace('.', '/') + ".java");
        if (!mainClass.startsWith("io.sdtune.") || !Files.isRegularFile(source)) {
            problems.add(where + ": runs " + mainClass + ", which is no class of " + module);
        }
        String args = container.path("args").toString();
        ServiceSettings reads = settings.get(name);
        for (String variable : environment(overlay, where, container, problems).keySet()) {
            if (!reads.reads(variable) && !args.contains("$(" + variable + ")")) {
                problems.add(where + ": sets " + variable + ", which names no setting of " + module
                        + " and no argument");
            }
        }
    }

    /** A probe's port: a number, or the name of one of the container's ports. */
    private static int port(JsonNode container, JsonNode port) {
        if (port.isInt()) {
            return port.asInt();
        }
        for (JsonNode declared : container.path("ports")) {
            if (declared.path("name").asText().equals(port.asText())) {
                return declared.path("containerPort").asInt();
            }
        }
        return -1;
    }

    /** Every variable the container gets, with its value where the manifests hold it: env and envFrom. */
    private static Map<String, String> environment(RenderedOverlay overlay, String where, JsonNode container,
            List<String> problems) {
        Map<String, String> variables = new LinkedHashMap<>();
        for (JsonNode source : container.path("envFrom")) {
            JsonNode ref = source.has("configMapRef") ? source.path("configMapRef") : source.path("secretRef");
            String kind = source.has("configMapRef") ? "ConfigMap" : "Secret";
            var found = overlay.find(kind, ref.path("name").asText());
            if (found.isPresent()) {
                found.get().path("data").fields().forEachRemaining(e -> variables.put(e.getKey(), e.getValue().asText()));
                found.get().path("stringData").fields().forEachRemaining(e -> variables.put(e.getKey(), ""));
            } else if (!ref.path("optional").asBoolean()) {
                problems.add(where + ": envFrom " + kind + " " + ref.path("name").asText() + " is not in the manifests");
            }
        }
        for (JsonNode variable : container.path("env")) {
            variables.put(variable.path("name").asText(), variable.path("value").asText());
        }
        return variables;
    }

    private static void serviceAccounts(RenderedOverlay overlay, List<String> problems) {
        for (ObjectNode account : overlay.ofKind("ServiceAccount")) {
            JsonNode automount = account.path("automountServiceAccountToken");
            if (!automount.isBoolean() || automount.asBoolean()) {
                problems.add(RenderedOverlay.describe(account) + ": automountServiceAccountToken is not false");
            }
        }
    }

    private static boolean deniesAll(JsonNode policy) {
        JsonNode spec = policy.path("spec");
        Set<String> types = new TreeSet<>();
        spec.path("policyTypes").forEach(t -> types.add(t.asText()));
        return spec.path("podSelector").isEmpty() && types.equals(Set.of("Egress", "Ingress"))
                && spec.path("ingress").isEmpty() && spec.path("egress").isEmpty();
    }

    /** The KafkaTopics, where the overlay has its own Kafka: exactly the contracts' topics, compacted as they say. */
    private static void topics(RenderedOverlay overlay, List<String> problems) {
        List<ObjectNode> topics = overlay.ofKind("KafkaTopic");
        if (topics.isEmpty() && overlay.ofKind("Kafka").isEmpty()) {
            return;
        }
        Set<String> names = new TreeSet<>();
        for (ObjectNode topic : topics) {
            String name = topic.path("spec").path("topicName").asText(topic.path("metadata").path("name").asText());
            names.add(name);
            boolean compacted = topic.path("spec").path("config").path("cleanup.policy").asText().contains("compact");
            if (compacted != Topics.isCompacted(name)) {
                problems.add(RenderedOverlay.describe(topic) + ": " + name + (compacted ? " is" : " is not")
                        + " compacted; Topics.isCompacted says " + Topics.isCompacted(name));
            }
        }
        if (!names.equals(new TreeSet<>(Topics.all()))) {
            problems.add(overlay.name() + ": KafkaTopics " + names + " are not Topics.all() " + new TreeSet<>(Topics.all()));
        }
    }

    /** KEDA watches the consumer group and topic the worker's incoming channel uses. */
    private void scaledObjects(RenderedOverlay overlay, List<String> problems) {
        Map<String, String> channels = Map.of("trainer", "training-requests", "generator", "generation-requests");
        for (ObjectNode scaled : overlay.ofKind("ScaledObject")) {
            String target = scaled.path("spec").path("scaleTargetRef").path("name").asText();
            String channel = channels.get(target);
            if (channel == null || overlay.find("Deployment", target).isEmpty()) {
                problems.add(RenderedOverlay.describe(scaled) + ": scales " + target + ", not a worker's Deployment");
                continue;
            }
            ServiceSettings service = settings.get(target);
            String prefix = "mp.messaging.incoming." + channel + ".";
            for (JsonNode trigger : scaled.path("spec").path("triggers")) {
                JsonNode metadata = trigger.path("metadata");
                expect(scaled, "consumerGroup", metadata.path("consumerGroup").asText(),
                        service.property(prefix + "group.id"), problems);
                expect(scaled, "topic", metadata.path("topic").asText(), service.property(prefix + "topic"), problems);
            }
        }
    }

    private static void expect(JsonNode document, String field, String actual, String expected, List<String> problems) {
        if (!actual.equals(expected)) {
            problems.add(RenderedOverlay.describe(document) + ": " + field + " " + actual + " is not the service's " + expected);
        }
    }
}
