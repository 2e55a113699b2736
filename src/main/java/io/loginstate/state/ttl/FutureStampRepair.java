package io.loginstate.state.ttl;

import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.plain.PlainListState;
import io.loginstate.state.plain.ValueFormat;
import io.loginstate.state.store.ByteStore;
import io.loginstate.state.store.ByteTable;
import io.loginstate.state.store.Keys;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Heals state written while event time was unbounded, found on open when the stored highest
 * event time lies beyond wall clock + skew: every entry (and list element) stamped later than the
 * bound is re-stamped at the bound, so it expires one TTL after it; index filings beyond the
 * bound are dropped and each re-stamped entry is filed at the bound. Values themselves (a user's
 * last login, say) are left as they are. Commits in chunks at the state's own position.
 */
final class FutureStampRepair {

    private static final int CHUNK = 10_000;

    private final ByteStore backend;
    private final TtlContext context;
    private final long bound;
    private final long position;
    private long restamped;

    FutureStampRepair(ByteStore backend, TtlContext context, long bound) {
        this.backend = backend;
        this.context = context;
        this.bound = bound;
        this.position = backend.position().orElse(-1);
    }

    /** Repairs every TTL'd state of the list; returns how many entries and elements were re-stamped. */
    long run(List<StateDescriptor<?>> descriptors) {
        for (StateDescriptor<?> descriptor : descriptors) {
            if (descriptor.ttl().isPresent()) {
                dropFutureFilings(descriptor.name());
                restamp(descriptor, context.granularity(descriptor.ttl().get().ttlMillis()));
            }
        }
        return restamped;
    }

    private void dropFutureFilings(String state) {
        List<ExpiryIndex.Candidate> filings;
        do {
            filings = context.index.filedAfter(state, bound, CHUNK);
            filings.forEach(context.index::remove);
            backend.commit(position);
        } while (filings.size() == CHUNK);
    }

    private void restamp(StateDescriptor<?> descriptor, long granularity) {
        ByteTable table = backend.table(descriptor.name());
        long bucket = Math.floorDiv(bound, granularity) * granularity;
        byte[] from = new byte[0];
        List<Map.Entry<byte[], byte[]>> chunk;
        do {
            chunk = table.scan(from, null, CHUNK);
            for (Map.Entry<byte[], byte[]> entry : chunk) {
                byte[] repaired = descriptor.kind() == StateDescriptor.Kind.LIST
                        ? restampList(entry.getValue())
                        : restampValue(entry.getValue(), 0);
                if (repaired != null) {
                    table.put(entry.getKey(), repaired);
                    context.index.add(descriptor.name(), bucket, entry.getKey());
                }
            }
            backend.commit(position);
            if (!chunk.isEmpty()) {
                from = Keys.successor(chunk.get(chunk.size() - 1).getKey());
            }
        } while (chunk.size() == CHUNK);
    }

    /** The value re-stamped at the bound, or null if it needs no repair. */
    private byte[] restampValue(byte[] stored, int offset) {
        if (!ValueFormat.isStamped(stored, offset) || ValueFormat.getLong(stored, offset + 1) <= bound) {
            return null;
        }
        byte[] repaired = Arrays.copyOf(stored, stored.length);
        ValueFormat.putLong(repaired, offset + 1, bound);
        restamped++;
        return repaired;
    }

    private byte[] restampList(byte[] stored) {
        byte[] repaired = null;
        for (int offset = 0; offset < stored.length; offset += 4 + PlainListState.lengthAt(stored, offset)) {
            int element = offset + 4;
            if (ValueFormat.isStamped(stored, element) && ValueFormat.getLong(stored, element + 1) > bound) {
                if (repaired == null) {
                    repaired = Arrays.copyOf(stored, stored.length);
                }
                ValueFormat.putLong(repaired, element + 1, bound);
                restamped++;
            }
        }
        return repaired;
    }
}
