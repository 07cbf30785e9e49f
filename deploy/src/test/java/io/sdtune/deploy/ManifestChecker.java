package io.sdtune.deploy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything KubernetesManifestsTest asks of a rendered overlay: each document valid for its type (the API's, or its
 * CRD's schema), then the project's rules. Problems come back as sentences naming the object, so a test can assert
 * that a broken copy is caught, and by which rule.
 */
final class ManifestChecker {
    private final CrdSchemas crds = new CrdSchemas();
    private final ManifestRules rules;

    ManifestChecker(Path home, String version) {
        Map<String, ServiceSettings> settings = new HashMap<>();
        ManifestRules.SERVICES.forEach((deployment, module) -> settings.put(deployment, ServiceSettings.of(home, module)));
        ManifestRules.COMMANDS.forEach((job, module) -> settings.put(job, ServiceSettings.ofCommand(home, module)));
        this.rules = new ManifestRules(home, version, settings);
    }

    /** Each document against its type's schema: the fabric8 model of a built-in kind, else its CRD. */
    List<String> typeProblems(RenderedOverlay overlay) {
        List<String> problems = new ArrayList<>();
        for (ObjectNode document : overlay.documents()) {
            if (crds.knows(document)) {
                problems.addAll(crds.problems(document));
            } else {
                String problem = ApiTypes.problem(document);
                if (problem != null) {
                    problems.add(problem);
                }
            }
        }
        return problems;
    }

    List<String> ruleProblems(RenderedOverlay overlay) {
        return rules.problems(overlay);
    }

    List<String> problems(RenderedOverlay overlay) {
        List<String> problems = new ArrayList<>(typeProblems(overlay));
        problems.addAll(ruleProblems(overlay));
        return problems;
    }
}
