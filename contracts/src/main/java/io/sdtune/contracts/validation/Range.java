package io.sdtune.contracts.validation;

import java.math.BigDecimal;

/** An interval of allowed numbers, each end open or closed; it reads as the rule it states ("> 0 and <= 1"). */
public record Range(double min, boolean minIncluded, double max, boolean maxIncluded) {

    /** {@code [min, max]}. */
    public static Range closed(double min, double max) {
        return new Range(min, true, max, true);
    }

    /** {@code (min, max]}. */
    public static Range openClosed(double min, double max) {
        return new Range(min, false, max, true);
    }

    /** {@code [min, max)}. */
    public static Range closedOpen(double min, double max) {
        return new Range(min, true, max, false);
    }

    /** {@code [min, +inf)}. */
    public static Range atLeast(double min) {
        return new Range(min, true, Double.POSITIVE_INFINITY, false);
    }

    /** False for NaN and for the infinities unless an end is an included infinity. */
    public boolean contains(double value) {
        boolean aboveMin = minIncluded ? value >= min : value > min;
        boolean belowMax = maxIncluded ? value <= max : value < max;
        return aboveMin && belowMax;
    }

    @Override
    public String toString() {
        if (max == Double.POSITIVE_INFINITY) {
            return (minIncluded ? ">= " : "> ") + format(min);
        }
        if (minIncluded && maxIncluded) {
            return "between " + format(min) + " and " + format(max);
        }
        return (minIncluded ? ">= " : "> ") + format(min) + " and " + (maxIncluded ? "<= " : "< ") + format(max);
    }

    /** A number as a person writes it: 5, 0.0005, 1E-8; never 5.0 or 1E+2. */
    static String format(double value) {
        if (!Double.isFinite(value)) {
            return Double.toString(value);
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return BigDecimal.valueOf(value).stripTrailingZeros().toString();
    }
}
