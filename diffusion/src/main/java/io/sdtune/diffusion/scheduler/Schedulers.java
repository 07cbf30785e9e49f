package io.sdtune.diffusion.scheduler;

import java.util.List;
import java.util.function.Function;

/** The samplers by the names the command line and the API take them. */
public final class Schedulers {
    /** Each name with its scheduler and the diffusers class it reproduces. */
    private static final List<Entry> ENTRIES = List.of(
            new Entry("ddim", "DDIMScheduler", DdimScheduler::new),
            new Entry("euler_a", "EulerAncestralDiscreteScheduler", EulerAncestralScheduler::new),
            new Entry("dpmpp_2m", "DPMSolverMultistepScheduler", DpmSolverMultistepScheduler::new),
            new Entry("pndm", "PNDMScheduler", PndmScheduler::new));

    private record Entry(String name, String diffusersClass, Function<SchedulerConfig, Scheduler> factory) {
    }

    private Schedulers() {
    }

    /** The valid names: ddim, euler_a, dpmpp_2m, pndm. */
    public static List<String> names() {
        return ENTRIES.stream().map(Entry::name).toList();
    }

    /** The scheduler called {@code name}, configured from {@code config} (a model's scheduler_config.json). */
    public static Scheduler create(String name, SchedulerConfig config) {
        return ENTRIES.stream()
                .filter(e -> e.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown scheduler '" + name + "' (expected one of "
                        + String.join(", ", names()) + ")"))
                .factory()
                .apply(config);
    }

    /** The name of the scheduler the model ships with: the one its config's {@code _class_name} names. */
    public static String defaultName(SchedulerConfig config) {
        String className = config.className().orElseThrow(() -> new IllegalArgumentException(
                "the scheduler config has no _class_name; name a scheduler (one of " + String.join(", ", names())
                        + ")"));
        return ENTRIES.stream()
                .filter(e -> e.diffusersClass().equals(className))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the model's scheduler " + className
                        + " is not implemented (expected one of " + String.join(", ",
                                ENTRIES.stream().map(Entry::diffusersClass).toList())
                        + "); name a scheduler instead (one of " + String.join(", ", names()) + ")"))
                .name();
    }
}
