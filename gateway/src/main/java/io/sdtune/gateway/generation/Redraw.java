package io.sdtune.gateway.generation;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sdtune.diffusion.image.Png;
import io.sdtune.diffusion.pipeline.GenerationParams;
import io.sdtune.diffusion.pipeline.Infotext;
import io.sdtune.gateway.api.ProblemException;
import java.util.List;

/**
 * A generation request read from an image's AUTOMATIC1111 parameters (its PNG's {@code parameters} text), as
 * {@code bin/sd generate --from_png} reads them: prompt, negative prompt, steps, sampler, CFG scale, seed and size.
 * Each {@code <lora:NAME:SCALE>} of the prompt is the adapter of that id (the generator writes adapters' ids as their
 * names), at that scale.
 */
final class Redraw {

    private Redraw() {
    }

    /**
     * The body of the request that draws the image again.
     *
     * @throws ProblemException (invalid) when the bytes are not a PNG, have no parameters, or name a sampler or
     *         setting this engine does not have
     */
    static ObjectNode request(byte[] png) {
        try {
            String parameters = Png.readText(png, "the body").get("parameters");
            if (parameters == null) {
                throw new IllegalArgumentException("the PNG has no 'parameters' text to redraw it from");
            }
            Infotext infotext = Infotext.parse(parameters);
            GenerationParams p = infotext.params();
            ObjectNode body = JsonNodeFactory.instance.objectNode()
                    .put("prompt", p.prompt())
                    .put("negative_prompt", p.negativePrompt())
                    .put("num_inference_steps", p.numInferenceSteps())
                    .put("guidance_scale", p.guidanceScale())
                    .put("scheduler", p.scheduler())
                    .put("seed", p.seed())
                    .put("width", p.width())
                    .put("height", p.height());
            ArrayNode adapters = body.putArray("adapters");
            infotext.loras().forEach(tag -> adapters.addObject().put("adapter_id", tag.name()).put("scale", tag.scale()));
            return body;
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid("image", List.of(e.getMessage()));
        }
    }
}
