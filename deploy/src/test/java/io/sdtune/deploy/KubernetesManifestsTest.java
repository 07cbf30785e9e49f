package io.sdtune.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sdtune.contracts.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Kustomize overlays under deploy/kubernetes as kubectl renders them, checked offline: every object valid for
 * the Kubernetes API's types or its CRD's schema (unknown fields and wrong types fail), the pods' resources, probes,
 * images and security, and the manifests against the code - settings, topics, consumer groups (issue #12, items 3
 * and 4). Then broken copies, to show each check catches what it is for.
 */
class KubernetesManifestsTest {
    static Path home;
    static ManifestChecker checker;
    static Map<String, RenderedOverlay> overlays;

    @BeforeAll
    static void render() throws IOException {
        home = Path.of(System.getProperty("sdtune.home", "..")).toAbsolutePath().normalize();
        checker = new ManifestChecker(home, projectVersion());
        overlays = Map.of("dev", RenderedOverlay.render(home, "dev"),
                "production", RenderedOverlay.render(home, "production"));
    }

    /** Maven's ${project.version} (surefire's system property), else the deploy pom's parent version. */
    static String projectVersion() throws IOException {
        String version = System.getProperty("sdtune.version");
        if (version != null) {
            return version;
        }
        var parent = Pattern.compile("<parent>.*?<version>([^<]+)</version>", Pattern.DOTALL)
                .matcher(Files.readString(home.resolve("deploy/pom.xml")));
        if (!parent.find()) {
            throw new IllegalStateException("no version in deploy/pom.xml");
        }
        return parent.group(1);
    }

    static RenderedOverlay copyOf(String overlay) {
        return overlays.get(overlay).copy();
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "production"})
    void everyObjectIsValidForItsType(String overlay) {
        assertThat(overlays.get(overlay).documents()).isNotEmpty();
        assertThat(checker.typeProblems(overlays.get(overlay))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "production"})
    void followsTheProjectsRules(String overlay) {
        assertThat(checker.ruleProblems(overlays.get(overlay))).isEmpty();
    }

    @Test
    void devHasEveryTopicAndProductionScalesOnTheWorkersGroups() {
        assertThat(overlays.get("dev").ofKind("KafkaTopic")).hasSize(Topics.all().size());
        assertThat(overlays.get("production").ofKind("ScaledObject")).hasSize(2);
    }

    @Test
    void aMisspeltFieldOfABuiltInKindIsCaught() {
        RenderedOverlay broken = copyOf("dev");
        ObjectNode spec = (ObjectNode) broken.get("Deployment", "gateway").path("spec");
        spec.set("replcas", spec.remove("replicas"));
        assertThat(checker.typeProblems(broken)).singleElement().asString()
                .contains("Deployment gateway", "replcas");
    }

    @Test
    void aMisspeltFieldDeepInAPodIsCaught() {
        RenderedOverlay broken = copyOf("production");
        ObjectNode container = container(broken, "trainer");
        ((ObjectNode) container.path("securityContext")).put("readOnlyRootFileSystem", true);
        assertThat(checker.typeProblems(broken)).singleElement().asString()
                .contains("Deployment trainer", "readOnlyRootFileSystem");
    }

    @Test
    void aValueOfTheWrongTypeIsCaught() {
        RenderedOverlay broken = copyOf("dev");
        // A quoted number: no int32 to the API server, though a lenient reader would take it.
        ((ObjectNode) broken.get("Deployment", "generator").path("spec")).put("replicas", "1");
        ((ObjectNode) container(broken, "gateway").path("securityContext")).put("runAsNonRoot", "yes");
        assertThat(checker.typeProblems(broken)).hasSize(2).allSatisfy(p -> assertThat(p).startsWith("Deployment"));
    }

    @Test
    void aMisspeltFieldOrAWrongTypeInACustomResourceIsCaught() {
        RenderedOverlay dev = copyOf("dev");
        ObjectNode topic = (ObjectNode) dev.get("KafkaTopic", "adapters").path("spec");
        topic.set("partition", topic.remove("partitions"));
        assertThat(checker.typeProblems(dev)).singleElement().asString().contains("KafkaTopic adapters", "partition");
        // Deeper: a listener's field, and a node pool's count as a string.
        ((ObjectNode) dev.get("Kafka", "sdtune").path("spec").path("kafka").path("listeners").path(0)).put("tsl", true);
        ((ObjectNode) dev.get("KafkaNodePool", "dual-role").path("spec")).put("replicas", "1");
        assertThat(checker.typeProblems(dev)).hasSize(3).anySatisfy(p -> assertThat(p).contains("Kafka sdtune", "tsl"))
                .anySatisfy(p -> assertThat(p).contains("KafkaNodePool dual-role", "replicas"));

        RenderedOverlay production = copyOf("production");
        ((ObjectNode) production.get("ScaledObject", "trainer").path("spec")).put("maxReplicaCount", "8");
        ((ObjectNode) production.get("TriggerAuthentication", "keda-kafka").path("spec")).put("secretTargetRefs", 1);
        assertThat(checker.typeProblems(production)).hasSize(2);
    }

    @Test
    void aMissingReadinessProbeIsCaught() {
        RenderedOverlay broken = copyOf("production");
        container(broken, "generator").remove("readinessProbe");
        assertThat(checker.ruleProblems(broken)).containsExactly("Deployment generator: no readinessProbe");
    }

    @Test
    void aProbeOnAnotherPortOrPathIsCaught() {
        RenderedOverlay broken = copyOf("dev");
        ((ObjectNode) container(broken, "trainer").path("livenessProbe").path("httpGet")).put("path", "/q/health");
        ((ObjectNode) container(broken, "gateway").path("startupProbe").path("httpGet")).put("port", 9000);
        assertThat(checker.ruleProblems(broken)).hasSize(2);
    }

    @Test
    void aGpuLimitOnTheGatewayIsCaught() {
        RenderedOverlay broken = copyOf("production");
        ((ObjectNode) container(broken, "gateway").path("resources").path("limits")).put("nvidia.com/gpu", 1);
        assertThat(checker.ruleProblems(broken)).singleElement().asString()
                .contains("Deployment gateway container gateway", "nvidia.com/gpu");
    }

    @Test
    void aGpuInDevOrNoneOnAProductionWorkerIsCaught() {
        RenderedOverlay dev = copyOf("dev");
        ((ObjectNode) container(dev, "trainer").path("resources").path("limits")).put("nvidia.com/gpu", 1);
        assertThat(checker.ruleProblems(dev)).hasSize(1);
        RenderedOverlay production = copyOf("production");
        ((ObjectNode) container(production, "generator").path("resources").path("limits")).remove("nvidia.com/gpu");
        assertThat(checker.ruleProblems(production)).singleElement().asString().contains("no nvidia.com/gpu limit");
    }

    @Test
    void missingResourcesALatestImageAndALooseSecurityContextAreCaught() {
        RenderedOverlay broken = copyOf("dev");
        ObjectNode trainer = container(broken, "trainer");
        ((ObjectNode) trainer.path("resources")).remove("limits");
        trainer.put("image", "sdtune/trainer-service:latest");
        ObjectNode gateway = container(broken, "gateway");
        ((ObjectNode) gateway.path("securityContext")).put("allowPrivilegeEscalation", true);
        ((ArrayNode) gateway.path("securityContext").path("capabilities").path("drop")).removeAll().add("NET_RAW");
        container(broken, "generator").put("image", "sdtune/generator-service:0.0.9");
        assertThat(checker.ruleProblems(broken)).containsExactlyInAnyOrder(
                "Deployment trainer container trainer: resources need requests and limits",
                "Deployment trainer container trainer: image sdtune/trainer-service:latest names no version (no tag, or latest)",
                "Deployment gateway container gateway: allowPrivilegeEscalation is not false",
                "Deployment gateway container gateway: capabilities do not drop ALL (and add none)",
                "Deployment generator container generator: image sdtune/generator-service:0.0.9 is not the project's "
                        + "version 0.1.0-SNAPSHOT");
    }

    @Test
    void aVariableThatNamesNoSettingIsCaught() {
        RenderedOverlay broken = copyOf("dev");
        ObjectNode trainerSettings = broken.ofKind("ConfigMap").stream()
                .filter(c -> c.path("metadata").path("name").asText().startsWith("sdtune-trainer-"))
                .findFirst().orElseThrow();
        ((ObjectNode) trainerSettings.path("data")).put("SDTUNE_TRAINER_DEVISE", "cpu");
        // A gateway setting given to the generator is no setting of the generator's.
        ((ArrayNode) container(broken, "generator").path("env")).addObject()
                .put("name", "SDTUNE_GATEWAY_BASE_MODEL_ID").put("value", "x");
        assertThat(checker.ruleProblems(broken)).containsExactlyInAnyOrder(
                "Deployment trainer: sets SDTUNE_TRAINER_DEVISE, which names no setting of trainer-service",
                "Deployment generator: sets SDTUNE_GATEWAY_BASE_MODEL_ID, which names no setting of generator-service");
    }

    @Test
    void theBaseModelJobRunsACommandOfStorageWithItsSettingsOnly() {
        RenderedOverlay broken = copyOf("production");
        ObjectNode publish = (ObjectNode) broken.get("Job", "base-model").path("spec").path("template").path("spec")
                .path("containers").path(0);
        ArrayNode command = (ArrayNode) publish.path("command");
        command.set(command.size() - 1, command.textNode("io.sdtune.storage.cli.PublishModels"));
        ((ArrayNode) publish.path("env")).addObject().put("name", "SDTUNE_GENERATOR_BASE_MODEL").put("value", "sd");
        assertThat(checker.ruleProblems(broken)).containsExactlyInAnyOrder(
                "Job base-model: runs io.sdtune.storage.cli.PublishModels, which is no class of storage",
                "Job base-model: sets SDTUNE_GENERATOR_BASE_MODEL, which names no setting of storage and no argument");
    }

    @Test
    void settingsMapToEnvironmentNamesAsMicroProfileSays() {
        assertThat(ServiceSettings.environmentName("sdtune.store.secret-key")).isEqualTo("SDTUNE_STORE_SECRET_KEY");
        ServiceSettings gateway = ServiceSettings.of(home, "gateway");
        // Declared only by AuthSettings' method apiKeysFile, under the prefix sdtune.gateway.auth.
        assertThat(gateway.keys()).contains("sdtune.gateway.auth.api-keys-file", "sdtune.store.secret-key",
                "sdtune.gateway.quotas.max-concurrent-trainings");
        assertThat(gateway.reads("SDTUNE_TRAINER_DEVICE")).isFalse();
    }

    @Test
    void topicsOtherThanTheContractsAreCaught() {
        RenderedOverlay broken = copyOf("dev");
        ((ObjectNode) broken.get("KafkaTopic", "api-keys").path("spec")).remove("config");
        broken.documents().remove(broken.get("KafkaTopic", "adapters-dlq"));
        assertThat(checker.ruleProblems(broken)).hasSize(2);
    }

    @Test
    void aScaledObjectOnAnotherGroupOrTopicIsCaught() {
        RenderedOverlay broken = copyOf("production");
        ObjectNode metadata = (ObjectNode) broken.get("ScaledObject", "trainer").path("spec").path("triggers").path(0)
                .path("metadata");
        metadata.put("consumerGroup", "trainer");
        ((ObjectNode) broken.get("ScaledObject", "generator").path("spec").path("triggers").path(0).path("metadata"))
                .put("topic", "generation.request");
        assertThat(checker.ruleProblems(broken)).containsExactlyInAnyOrder(
                "ScaledObject trainer: consumerGroup trainer is not the service's sdtune-trainer",
                "ScaledObject generator: topic generation.request is not the service's generation.requests");
    }

    @Test
    void aMountedTokenOrNoDefaultDenyIsCaught() {
        RenderedOverlay broken = copyOf("production");
        broken.get("ServiceAccount", "gateway").put("automountServiceAccountToken", true);
        broken.documents().remove(broken.get("NetworkPolicy", "default-deny"));
        assertThat(checker.ruleProblems(broken)).hasSize(2);
    }

    static ObjectNode container(RenderedOverlay overlay, String deployment) {
        return (ObjectNode) overlay.get("Deployment", deployment).path("spec").path("template").path("spec")
                .path("containers").path(0);
    }

}
