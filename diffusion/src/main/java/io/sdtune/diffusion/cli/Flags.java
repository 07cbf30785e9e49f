package io.sdtune.diffusion.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Command-line flags in the style of the diffusers example scripts (argparse): {@code --name value},
 * {@code --name=value}, boolean switches, positional arguments. An unknown or malformed flag is an
 * error that names it and suggests the closest known one.
 */
public final class Flags {
    /** One declared flag; {@code defaultValue} null means required (unless a switch). */
    private record Spec(String name, boolean isSwitch, String defaultValue, String help) {
    }

    private final String command;
    private final Map<String, Spec> specs = new LinkedHashMap<>();
    private final Map<String, List<String>> values = new LinkedHashMap<>();
    private final Set<String> switches = new TreeSet<>();
    private final List<String> positional = new ArrayList<>();
    private final List<String> positionalNames = new ArrayList<>();

    /** {@code command}: the command as typed, e.g. {@code sd generate}, which usage and errors start with. */
    public Flags(String command) {
        this.command = command;
    }

    public Flags option(String name, String defaultValue, String help) {
        specs.put(name, new Spec(name, false, defaultValue, help));
        return this;
    }

    public Flags required(String name, String help) {
        return option(name, null, help);
    }

    public Flags flag(String name, String help) {
        specs.put(name, new Spec(name, true, null, help));
        return this;
    }

    public Flags positional(String name) {
        positionalNames.add(name);
        return this;
    }

    /** Parses {@code args}; throws {@link UsageException} with the problem and the usage text. */
    public Flags parse(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                positional.add(arg);
                continue;
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Spec spec = specs.get(name);
            if (spec == null) {
                throw usage("unrecognized argument --" + name + suggestion(name));
            }
            if (spec.isSwitch()) {
                if (value != null) {
                    throw usage("--" + name + " takes no value");
                }
                switches.add(name);
            } else {
                if (value == null) {
                    if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
                        throw usage("--" + name + " expects a value");
                    }
                    value = args.get(++i);
                }
                values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            }
        }
        for (Spec s : specs.values()) {
            if (!s.isSwitch() && s.defaultValue() == null && !values.containsKey(s.name())) {
                throw usage("the following argument is required: --" + s.name());
            }
        }
        if (positional.size() != positionalNames.size()) {
            throw usage("expected " + positionalNames.size() + " positional argument(s) " + positionalNames + ", got "
                    + positional);
        }
        return this;
    }

    /**
     * Prints the usage text when {@code args} asks for {@code --help} (and returns false), else parses
     * them (and returns true): the start of every command.
     */
    public boolean parseUnlessHelp(List<String> args, PrintStream out) {
        if (args.contains("--help")) {
            out.print(help());
            return false;
        }
        parse(args);
        return true;
    }

    /** The flag's value (the last one when given several times), or its default. */
    public String string(String name) {
        Spec s = spec(name);
        List<String> given = values.get(name);
        return given == null ? s.defaultValue() : given.get(given.size() - 1);
    }

    public boolean has(String name) {
        return values.containsKey(name) || switches.contains(name);
    }

    public boolean isSet(String name) {
        spec(name);
        return switches.contains(name);
    }

    public int integer(String name) {
        String v = string(name);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw usage("--" + name + " expects an integer, got '" + v + "'");
        }
    }

    public double number(String name) {
        String v = string(name);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw usage("--" + name + " expects a number, got '" + v + "'");
        }
    }

    /** Every value given for a repeatable flag, in order ({@code --lora a --lora b}). */
    public List<String> all(String name) {
        spec(name);
        return List.copyOf(values.getOrDefault(name, List.of()));
    }

    public String positional(int index) {
        return positional.get(index);
    }

    public UsageException usage(String problem) {
        return new UsageException(command + ": error: " + problem + "\n\n" + help());
    }

    public String help() {
        StringBuilder b = new StringBuilder("usage: " + command);
        positionalNames.forEach(p -> b.append(' ').append(p));
        b.append(" [flags]\n");
        specs.values().stream().sorted(Comparator.comparing(Spec::name)).forEach(s -> {
            b.append("  --").append(s.name()).append(s.isSwitch() ? "" : " VALUE");
            b.append("\n      ").append(s.help());
            if (s.defaultValue() == null && !s.isSwitch()) {
                b.append(" (required)");
            } else if (s.defaultValue() != null && !s.defaultValue().isEmpty()) {
                b.append(" (default: ").append(s.defaultValue()).append(')');
            }
            b.append('\n');
        });
        return b.toString();
    }

    private Spec spec(String name) {
        Spec s = specs.get(name);
        if (s == null) {
            throw new IllegalStateException("flag --" + name + " was not declared for " + command);
        }
        return s;
    }

    private String suggestion(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String known : specs.keySet()) {
            int d = distance(name, known);
            if (d < bestDistance) {
                bestDistance = d;
                best = known;
            }
        }
        return best != null && bestDistance <= Math.max(2, name.length() / 3) ? " (did you mean --" + best + "?)" : "";
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** A command-line mistake: the message holds the problem and the usage text. */
    public static final class UsageException extends IllegalArgumentException {
        UsageException(String message) {
            super(message);
        }
    }
}
