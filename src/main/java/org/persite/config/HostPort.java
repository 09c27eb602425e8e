package org.persite.config;

/** A server address given on the command line as HOST:PORT. */
public record HostPort(String host, int port) {

    /** Parses HOST:PORT (the last colon separates the port, so a bracketless IPv6 host still works). */
    public static HostPort parse(String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("a server address must be HOST:PORT, got " + s);
        }
        try {
            return new HostPort(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a server address must be HOST:PORT with a numeric port, got " + s);
        }
    }
}
