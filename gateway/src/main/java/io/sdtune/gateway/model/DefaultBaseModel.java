package io.sdtune.gateway.model;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The deployment's base model: what a request that names none is for, the size it trains and draws at unless told
 * otherwise - SD 1.5's 512 (the seed's default), the embedded default's 64 - a prompt that shows what it draws, an
 * instance prompt in its words for DreamBooth and LoRA, and the guidance scale it draws best at, which the web UI
 * suggests.
 */
@ApplicationScoped
public class DefaultBaseModel {
    @ConfigProperty(name = "sdtune.gateway.base-model-id")
    String id;

    @ConfigProperty(name = "sdtune.gateway.base-model-resolution")
    int resolution;

    @ConfigProperty(name = "sdtune.gateway.base-model-example-prompt")
    String examplePrompt;

    @ConfigProperty(name = "sdtune.gateway.base-model-instance-prompt")
    String instancePrompt;

    @ConfigProperty(name = "sdtune.gateway.base-model-guidance-scale")
    double guidanceScale;

    public String id() {
        return id;
    }

    public int resolution() {
        return resolution;
    }

    public String examplePrompt() {
        return examplePrompt;
    }

    public String instancePrompt() {
        return instancePrompt;
    }

    public double guidanceScale() {
        return guidanceScale;
    }
}
