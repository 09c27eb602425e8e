package org.persite.inference;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

/**
 * A FIFO of waiting items, bounded in atoms, and the rule that forms batches from it: take items from the
 * head while the batch stays within {@code maxBatchAtoms} (the first item is always taken, so a structure
 * larger than a batch still runs, alone). Not thread-safe: the batcher actor owns it.
 *
 * @param <T> the waiting item
 */
public final class BatchQueue<T> {
    /** An item with its atom count and the time it arrived ({@link System#nanoTime()}). */
    public record Entry<T>(T item, int atoms, long enqueuedNanos) {
    }

    private final ArrayDeque<Entry<T>> queue = new ArrayDeque<>();
    private final long capacityAtoms;
    private long queuedAtoms;

    public BatchQueue(long capacityAtoms) {
        if (capacityAtoms < 1) {
            throw new IllegalArgumentException("queue capacity must be >= 1 atom");
        }
        this.capacityAtoms = capacityAtoms;
    }

    /** Adds an item, or returns false at once if it would take the queue past its capacity in atoms. */
    public boolean offer(T item, int atoms, long nowNanos) {
        if (queuedAtoms + atoms > capacityAtoms) {
            return false;
        }
        queue.addLast(new Entry<>(item, atoms, nowNanos));
        queuedAtoms += atoms;
        return true;
    }

    public boolean isEmpty() {
        return queue.isEmpty();
    }

    public int size() {
        return queue.size();
    }

    public long queuedAtoms() {
        return queuedAtoms;
    }

    /** When the oldest waiting item arrived; only for a non-empty queue. */
    public long oldestEnqueuedNanos() {
        return queue.getFirst().enqueuedNanos();
    }

    /** Removes and returns the items that match (for example those past their deadline). */
    public List<Entry<T>> removeIf(Predicate<T> test) {
        List<Entry<T>> removed = new ArrayList<>();
        for (Iterator<Entry<T>> it = queue.iterator(); it.hasNext(); ) {
            Entry<T> e = it.next();
            if (test.test(e.item())) {
                it.remove();
                queuedAtoms -= e.atoms();
                removed.add(e);
            }
        }
        return removed;
    }

    /** The next batch: items from the head while the total stays within maxBatchAtoms, at least one. */
    public List<Entry<T>> takeBatch(int maxBatchAtoms) {
        List<Entry<T>> batch = new ArrayList<>();
        int atoms = 0;
        while (!queue.isEmpty()) {
            Entry<T> head = queue.getFirst();
            if (!BatchFill.joins(batch.size(), atoms, head.atoms(), maxBatchAtoms)) {
                break;
            }
            queue.removeFirst();
            queuedAtoms -= head.atoms();
            atoms += head.atoms();
            batch.add(head);
            if (BatchFill.full(atoms, maxBatchAtoms)) {
                break;
            }
        }
        return batch;
    }
}
