package io.loginstate.state.store;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What a snapshot taken concurrently with commits holds: the position (next input offset) of the
 * last batch it contains, and its meta table entries, read back from the snapshot itself.
 */
public record StoreSnapshot(long position, Map<String, byte[]> meta) {

    public StoreSnapshot {
        meta = Map.copyOf(meta);
    }

    /** The meta entry stored under {@code key} (UTF-8), or null. */
    public byte[] meta(byte[] key) {
        return meta.get(new String(key, StandardCharsets.UTF_8));
    }
}
