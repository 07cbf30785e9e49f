package io.sdtune.diffusion.weights;

import io.sdtune.diffusion.graph.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The header of a .npy file: a Python dict literal such as {@code {'descr': '<f4', 'fortran_order': False,
 * 'shape': (1, 4, 64, 64), }} giving the element type as NumPy spells it, the storage order and the shape.
 */
record NpyHeader(String descr, boolean fortranOrder, Shape shape) {

    /** Parses the literal; as in NumPy, the three keys are required and no others are allowed. */
    static NpyHeader parse(String text) {
        return new Parser(text).header();
    }

    /** The literal as np.save writes it (keys sorted, a trailing comma), without the padding that follows. */
    String format() {
        long[] dims = shape.dims();
        String tuple = dims.length == 1
                ? "(" + dims[0] + ",)" // Python's one-element tuple
                : Arrays.stream(dims).mapToObj(Long::toString).collect(Collectors.joining(", ", "(", ")"));
        return "{'descr': '" + descr + "', 'fortran_order': " + (fortranOrder ? "True" : "False") + ", 'shape': "
                + tuple + ", }";
    }

    /** Reads the literal left to right; each method takes one construct and the whitespace after it. */
    private static final class Parser {
        private final String text;
        private int at;

        Parser(String text) {
            this.text = text;
            skipWhitespace();
        }

        NpyHeader header() {
            String descr = null;
            Boolean fortranOrder = null;
            Shape shape = null;
            expect('{');
            while (!next('}')) {
                String key = string();
                expect(':');
                switch (key) {
                    case "descr" -> descr = string();
                    case "fortran_order" -> fortranOrder = bool();
                    case "shape" -> shape = shape();
                    default -> throw error("unexpected key '" + key + "' (expected descr, fortran_order, shape)");
                }
                if (!next('}')) {
                    expect(',');
                }
            }
            expect('}');
            if (at < text.length()) {
                throw error("unexpected text after the dict");
            }
            if (descr == null || fortranOrder == null || shape == null) {
                throw new IllegalArgumentException("the header " + text.strip()
                        + " must have the keys descr, fortran_order and shape");
            }
            return new NpyHeader(descr, fortranOrder, shape);
        }

        private String string() {
            char quote = at < text.length() ? text.charAt(at) : 0;
            int end = quote == '\'' || quote == '"' ? text.indexOf(quote, at + 1) : -1;
            if (end < 0) {
                throw error("expected a quoted string");
            }
            String value = text.substring(at + 1, end);
            at = end + 1;
            skipWhitespace();
            return value;
        }

        private boolean bool() {
            if (take("True")) {
                return true;
            }
            if (take("False")) {
                return false;
            }
            throw error("expected True or False");
        }

        private Shape shape() {
            List<Long> dims = new ArrayList<>();
            expect('(');
            while (!next(')')) {
                dims.add(dimension());
                if (!next(')')) {
                    expect(',');
                }
            }
            expect(')');
            return Shape.of(dims.stream().mapToLong(Long::longValue).toArray());
        }

        private long dimension() {
            int start = at;
            while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
                at++;
            }
            try {
                long value = Long.parseLong(text.substring(start, at));
                skipWhitespace();
                return value;
            } catch (NumberFormatException e) {
                at = start;
                throw error("expected a dimension (a non-negative integer below 2^63)");
            }
        }

        private boolean next(char c) {
            return at < text.length() && text.charAt(at) == c;
        }

        private void expect(char c) {
            if (!take(String.valueOf(c))) {
                throw error("expected '" + c + "'");
            }
        }

        private boolean take(String token) {
            if (!text.startsWith(token, at)) {
                return false;
            }
            at += token.length();
            skipWhitespace();
            return true;
        }

        private void skipWhitespace() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
        }

        private IllegalArgumentException error(String problem) {
            return new IllegalArgumentException(problem + " at character " + at + " of the header " + text.strip());
        }
    }
}
