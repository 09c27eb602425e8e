package org.persite.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Counts structures as they are predicted or refused; on a terminal, redraws one status line on standard
 * error (structures, atoms, structures per second, refused) at most 4 times a second. Refusals are printed
 * as {@code error: ...} lines; {@link #summary()} ends the run with the totals.
 */
final class Progress {
    private final PrintWriter err;
    private final boolean live;
    private final long start = System.nanoTime();
    private long structures;
    private long atoms;
    private int errors;
    private long lastDraw;
    private boolean drawn;
    private long expected = -1;
    /** When the first structure was done, and the structures done by then: the ETA counts from there, not from start-up. */
    private long firstAt = -1;
    private long doneAtFirst;
    /** The smoothed rate the ETA uses, in structures per second (0 until there is one). */
    private double rate;

    Progress(PrintWriter err, boolean live) {
        this.err = err;
        this.live = live;
    }

    /** The structures expected in all (JSON lines, one per other file), for a bar and an ETA; -1 when unknown. */
    synchronized void expect(long total) {
        expected = total;
    }

    synchronized void predicted(int sites) {
        structures++;
        atoms += sites;
        markFirst(System.nanoTime());
        draw(false);
    }

    private void markFirst(long now) {
        if (firstAt < 0) {
            firstAt = now;
            doneAtFirst = structures + errors;
        }
    }

    synchronized void failed(String message) {
        errors++;
        markFirst(System.nanoTime());
        clearLine();
        err.println("error: " + message);
        draw(true);
    }

    /** A line on standard error for what the reader assumed; it is not an error. */
    synchronized void warned(String message) {
        clearLine();
        err.println("warning: " + message);
        draw(true);
    }

    synchronized int errors() {
        return errors;
    }

    synchronized long structures() {
        return structures;
    }

    private void draw(boolean force) {
        if (!live) {
            return;
        }
        long now = System.nanoTime();
        if (!force && now - lastDraw < 250_000_000L) {
            return;
        }
        lastDraw = now;
        err.print("\r" + line(now));
        err.flush();
        drawn = true;
    }

    private void clearLine() {
        if (drawn) {
            err.print("\r\033[K");
            drawn = false;
        }
    }

    String line(long now) {
        double s = Math.max(1e-9, (now - start) / 1e9);
        String counts = String.format(Locale.ROOT, "%,d structures  %,d atoms  %,.0f structures/s  %,.0f atoms/s  %d refused", structures, atoms,
                structures / s, atoms / s, errors);
        if (expected <= 0) {
            return counts;
        }
        long done = structures + errors;
        double fraction = Math.min(1.0, (double) done / expected);
        int width = 24;
        int filled = (int) Math.round(fraction * width);
        return String.format(Locale.ROOT, "[%s%s] %3.0f%%  %s  ETA %s", "=".repeat(filled), " ".repeat(width - filled), 100 * fraction, counts,
                eta(now, done));
    }

    /**
     * The time left, from the pace since the first structure was done (start-up, model loading and the JIT's warm-up
     * are not a pace), smoothed so that one slow or fast moment does not swing it; "--" until a second has passed
     * and a few structures are done since.
     */
    String eta(long now, long done) {
        double since = (now - firstAt) / 1e9;
        long count = done - doneAtFirst;
        if (firstAt < 0 || since < 1 || count < 3) {
            return "--";
        }
        double current = count / since;
        rate = rate == 0 ? current : 0.7 * rate + 0.3 * current;
        return TrainCommand.duration(Math.max(0, (expected - done) / rate));
    }

    /** For tests: the first structure was done at {@code now}, with {@code done} done by then. */
    synchronized void firstDoneAt(long now, long done) {
        firstAt = now;
        doneAtFirst = done;
    }

    /** The final line: totals and rates. */
    synchronized void summary() {
        clearLine();
        double s = (System.nanoTime() - start) / 1e9;
        err.println(String.format(Locale.ROOT, "predicted %,d structures (%,d atoms) in %.2f s (%,.0f structures/s, %,.0f atoms/s); %d refused%s",
                structures, atoms, s, structures / Math.max(s, 1e-9), atoms / Math.max(s, 1e-9), errors,
                errors > 0 ? " (listed above)" : ""));
        err.flush();
    }
}
