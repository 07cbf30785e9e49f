package io.sdtune.diffusion.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AUTOMATIC1111's "parameters" text read back, by the rules of its {@code parse_generation_parameters}: the prompt
 * lines, the lines from {@code Negative prompt:} on, and a last line of {@code key: value} pairs (a value in double
 * quotes is a JSON string). The prompt's {@code <lora:NAME:SCALE>} tags are taken out of it, as the web UI takes
 * them out before encoding.
 *
 * @param parameters the last line's pairs, in order ({@code Steps}, {@code Sampler}, {@code Size}, ...)
 */
public record Infotext(String prompt, String negativePrompt, Map<String, String> parameters, List<LoraTag> loras) {
    private static final Pattern PAIR = Pattern.compile("\\s*(\\w[\\w \\-/]+):\\s*(\"(?:\\\\.|[^\\\\\"])+\"|[^,]*)(?:,|$)");
    private static final Pattern LORA = Pattern.compile("<lora:([^:>]+)(?::([^:>]+))?[^>]*>");
    private static final Pattern SIZE = Pattern.compile("(\\d+)x(\\d+)");
    private static final String NEGATIVE = "Negative prompt:";

    /** A LoRA the prompt names, with its strength (1 when the tag gives none). */
    public record LoraTag(String name, double scale) {
    }

    public Infotext {
        parameters = Map.copyOf(parameters);
        loras = List.copyOf(loras);
    }

    public static Infotext parse(String text) {
        List<String> lines = new ArrayList<>(Arrays.asList(text.strip().split("\n", -1)));
        Map<String, String> parameters = pairs(lines.get(lines.size() - 1));
        if (parameters.size() >= 3) {
            lines.remove(lines.size() - 1);
        } else {
            parameters = Map.of();
        }
        StringBuilder prompt = new StringBuilder();
        StringBuilder negative = null;
        for (String raw : lines) {
            String line = raw.strip();
            if (negative == null && line.startsWith(NEGATIVE)) {
                negative = new StringBuilder(line.substring(NEGATIVE.length()).strip());
            } else if (negative != null) {
                negative.append('\n').append(line);
            } else {
                prompt.append(prompt.isEmpty() ? "" : "\n").append(line);
            }
        }
        List<LoraTag> loras = new ArrayList<>();
        Matcher tags = LORA.matcher(prompt);
        while (tags.find()) {
            loras.add(new LoraTag(tags.group(1), tags.group(2) == null ? 1 : Double.parseDouble(tags.group(2))));
        }
        return new Infotext(LORA.matcher(prompt).replaceAll("").strip(), negative == null ? "" : negative.toString(),
                parameters, loras);
    }

    /**
     * The drawing these parameters describe, one image: prompt, negative prompt, steps, sampler, CFG scale, seed
     * and size.
     *
     * @throws IllegalArgumentException naming what is missing, or a sampler or schedule this engine does not have
     */
    public GenerationParams params() {
        String sampler = required("Sampler");
        String scheduler = GenerationParams.SAMPLER_NAMES.entrySet().stream().filter(e -> e.getValue().equals(sampler))
                .map(Map.Entry::getKey).findFirst().orElseThrow(() -> new IllegalArgumentException("sampler '" + sampler
                        + "' is not one of this engine's: " + GenerationParams.SAMPLER_NAMES.values()));
        String schedule = parameters.getOrDefault("Schedule type", "Automatic");
        if (!schedule.equals("Automatic")) {
            throw new IllegalArgumentException("schedule type '" + schedule + "' is not this engine's: its samplers use "
                    + "their own schedule (the web UI's 'Automatic')");
        }
        Matcher size = SIZE.matcher(required("Size"));
        if (!size.matches()) {
            throw new IllegalArgumentException("Size '" + parameters.get("Size") + "' is not WIDTHxHEIGHT");
        }
        return new GenerationParams(prompt, negativePrompt, Integer.parseInt(required("Steps")),
                Double.parseDouble(required("CFG scale")), scheduler, Long.parseLong(required("Seed")),
                Integer.parseInt(size.group(2)), Integer.parseInt(size.group(1)), 1, null);
    }

    private String required(String key) {
        String value = parameters.get(key);
        if (value == null) {
            throw new IllegalArgumentException("the parameters have no '" + key + "'");
        }
        return value;
    }

    private static Map<String, String> pairs(String line) {
        Map<String, String> pairs = new LinkedHashMap<>();
        Matcher m = PAIR.matcher(line);
        while (m.find()) {
            String value = m.group(2);
            pairs.put(m.group(1), value.length() > 1 && value.startsWith("\"") && value.endsWith("\"")
                    ? unquote(value.substring(1, value.length() - 1)) : value);
        }
        return pairs;
    }

    /** The body of a JSON string. */
    private static String unquote(String body) {
        StringBuilder s = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c != '\\' || i + 1 == body.length()) {
                s.append(c);
                continue;
            }
            char e = body.charAt(++i);
            switch (e) {
                case 'n' -> s.append('\n');
                case 't' -> s.append('\t');
                case 'u' -> {
                    s.append((char) Integer.parseInt(body.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> s.append(e);
            }
        }
        return s.toString();
    }
}
