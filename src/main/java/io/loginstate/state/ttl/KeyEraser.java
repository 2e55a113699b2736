package io.loginstate.state.ttl;

import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.plain.KeyRange;
import io.loginstate.state.store.ByteStore;
import io.loginstate.state.store.Keys;
import java.util.Collection;

/**
 * Erases one user key from every state of a partition within the current transaction: its
 * entries in the state tables and every expiry-index filing of them. The deletion tracker learns
 * each removed range with the wall clock as its time, so the deadline purge compacts the erased
 * bytes out of the local files; cached reads of the TTL states are forgotten.
 */
public final class KeyEraser {

    private final ByteStore store;
    private final TtlContext context;

    public KeyEraser(ByteStore store, TtlContext context) {
        this.store = store;
        this.context = context;
    }

    /** Returns true if anything (live, expired, or an index filing) was stored under the key. */
    public boolean erase(byte[] key, Collection<StateDescriptor<?>> states) {
        long now = context.time.wallClockMillis();
        boolean found = false;
        for (StateDescriptor<?> state : states) {
            KeyRange range = KeyRange.of(state.kind(), key);
            if (range.deleteIn(store.table(state.name())) > 0) {
                context.deletions.removedRange(state.name(), range.from(), range.to(), now);
                found = true;
            }
            // Plain states have no filings; a scan of their empty index prefix costs one seek.
            if (context.index.removeFilings(state.name(), range.from(), range.to()) > 0) {
                byte[] prefix = ExpiryIndex.prefix(state.name());
                context.deletions.removedRange(ExpiryIndex.TABLE, prefix, Keys.prefixEnd(prefix), now);
                found = true;
            }
        }
        context.invalidateCaches();
        return found;
    }
}
