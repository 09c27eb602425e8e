package org.persite.inference;

import java.util.Arrays;
import java.util.List;

/**
 * The padded batch sizes (in atoms) that ONNX Runtime sees, so that it meets few distinct shapes. A batch
 * of T atoms is padded to the smallest bucket of at least T. A single structure larger than the largest
 * bucket runs alone in a batch of its exact size: it is never truncated.
 */
public final class Buckets {
    private final int[] sizes;

    public Buckets(List<Integer> sizes) {
        if (sizes.isEmpty()) {
            throw new IllegalArgumentException("need at least one bucket size");
        }
        this.sizes = sizes.stream().mapToInt(Integer::intValue).sorted().distinct().toArray();
        if (this.sizes[0] < 1) {
            throw new IllegalArgumentException("bucket sizes must be >= 1");
        }
    }

    /** The default of reference.conf: 32 to 16k atoms in powers of two. */
    public static Buckets defaults() {
        return new Buckets(List.of(32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384));
    }

    /** The padded size for a batch of {@code atoms} real atoms. */
    public int paddedSize(int atoms) {
        for (int s : sizes) {
            if (s >= atoms) {
                return s;
            }
        }
        return atoms;
    }

    public int largest() {
        return sizes[sizes.length - 1];
    }

    /** The sizes, ascending. */
    public int[] sizes() {
        return sizes.clone();
    }

    @Override
    public String toString() {
        return Arrays.toString(sizes);
    }
}
