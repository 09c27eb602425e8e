package org.persite.train;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * glibc's {@code malloc_trim(0)}, called after every epoch: it hands the C heap's free pages back to the kernel.
 * libtorch frees each batch's tensors into glibc's arenas (one per thread that allocated), which keep them; without
 * a trim the resident memory of a long run creeps up although nothing leaks (docs/training-memory.md). A no-op
 * where glibc is not there.
 */
final class NativeHeap {
    private interface LibC extends Library {
        int malloc_trim(long pad);
    }

    private static final LibC C = load();

    private NativeHeap() {
    }

    private static LibC load() {
        try {
            return Native.load("c", LibC.class);
        } catch (LinkageError | RuntimeException e) {
            return null;
        }
    }

    /** Returns free C-heap pages to the kernel; false where that is not possible. */
    static boolean trim() {
        if (C == null) {
            return false;
        }
        try {
            return C.malloc_trim(0) == 1;
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }
}
