package io.loginstate.state;

import io.loginstate.state.plain.ValueFormat;
import io.loginstate.state.store.ByteStore;
import io.loginstate.state.store.ByteTable;
import io.loginstate.state.store.IncompatibleStateException;
import java.nio.charset.StandardCharsets;

/** The version of how keyed state is laid out in tables (value format tags, index, meta keys). */
final class StateLayout {

    static final int VERSION = 2;
    private static final byte[] KEY = "layout-version".getBytes(StandardCharsets.UTF_8);

    private StateLayout() {}

    /**
     * Records the version in new state; state written with another layout (or before layouts were
     * recorded) cannot be read, and the caller can drop it and rebuild it from the input.
     */
    static void check(ByteStore store, ByteTable meta) {
        if (!checkReadable(store, meta)) {
            byte[] value = new byte[Long.BYTES];
            ValueFormat.putLong(value, 0, VERSION);
            meta.put(KEY, value);
        }
    }

    /**
     * Refuses state of another layout, writing nothing; returns false if {@code meta} records no
     * layout (new, empty state).
     */
    static boolean checkReadable(ByteStore store, ByteTable meta) {
        byte[] stored = meta.get(KEY);
        if (stored == null && store.position().isPresent()) {
            throw new IncompatibleStateException(store.name(), "has state from before layout versions were recorded");
        }
        if (stored != null && ValueFormat.getLong(stored, 0) != VERSION) {
            throw new IncompatibleStateException(
                    store.name(),
                    "has state of layout version " + ValueFormat.getLong(stored, 0) + ", this build reads version "
                            + VERSION);
        }
        return stored != null;
    }
}
