package org.persite.structure;

/**
 * A structure that could not be read or accepted. It names the input ({@link #source()}), the 1-based line
 * where the problem is known ({@link #line()}, 0 when it is not tied to a line), the kind of problem, and a
 * one-line reason. {@link #getMessage()} gives all of it as {@code source:line: reason}; it is what users see,
 * never a stack trace.
 */
public final class StructureException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final ErrorKind kind;
    private final String reason;

    public StructureException(String source, int line, ErrorKind kind, String reason) {
        super(format(source, line, reason), null, false, false);
        this.source = source;
        this.line = line;
        this.kind = kind;
        this.reason = reason;
    }

    private static String format(String source, int line, String reason) {
        return line > 0 ? source + ":" + line + ": " + reason : source + ": " + reason;
    }

    /** The input's name: a file name, possibly with a block or frame suffix. */
    public String source() {
        return source;
    }

    /** 1-based line number, or 0 when the problem is not tied to one line. */
    public int line() {
        return line;
    }

    public ErrorKind kind() {
        return kind;
    }

    /** The one-line reason, without source and line. */
    public String reason() {
        return reason;
    }
}
