package io.loginstate.state;

import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.StateSerializer;
import io.loginstate.state.plain.ValueFormat;
import io.loginstate.state.ttl.ExpiryRule;
import java.util.Arrays;
import java.util.Optional;

/**
 * One state of a part on its way into the current descriptor: checks each stored value (tag,
 * stamp, a payload the current serializer reads), upgrades payloads of an older serializer version
 * and decides expiry with the TTL layer's rule.
 */
final class ImportedState {

    final StateDescriptor<?> descriptor;
    final PartProperties.PartState part;
    private final Optional<ExpiryRule> rule;
    private final String source;
    long written;
    long expired;
    long upgraded;

    ImportedState(
            StateDescriptor<?> descriptor, PartProperties.PartState part, Optional<ExpiryRule> rule, String source) {
        this.descriptor = descriptor;
        this.part = part;
        this.rule = rule;
        this.source = source;
    }

    String name() {
        return descriptor.name();
    }

    /** True if the stored value (tag, stamp, payload) is expired now; counts it. */
    boolean expired(byte[] stored) {
        boolean expiredNow = rule.isPresent()
                && rule.get().expired(ValueFormat.stamp(stored, 0, rule.get().fallbackStamp()));
        if (expiredNow) {
            expired++;
        }
        return expiredNow;
    }

    /** The stored value as the current serializer stores it: upgraded if the part's version is older. */
    byte[] value(byte[] stored, long record) {
        try {
            int payloadAt = ValueFormat.payloadOffset(stored, 0);
            byte[] payload = Arrays.copyOfRange(stored, payloadAt, stored.length);
            byte[] current = upgrade(descriptor.valueSerializer(), part.serializerVersion(), payload);
            descriptor.valueSerializer().deserialize(current);
            if (current == payload) {
                return stored;
            }
            upgraded++;
            byte[] rewritten = Arrays.copyOf(stored, payloadAt + current.length);
            System.arraycopy(current, 0, rewritten, payloadAt, current.length);
            return rewritten;
        } catch (RuntimeException e) {
            throw new StateImportException(source, name(), "has a value that does not read (record " + record + ")", e);
        }
    }

    /** A serialized map key as the current key serializer writes it; the same array if not upgraded. */
    byte[] mapKey(byte[] mapKey, long record) {
        try {
            byte[] current = upgrade(descriptor.keySerializer(), part.mapKeySerializerVersion(), mapKey);
            descriptor.keySerializer().deserialize(current);
            return current;
        } catch (RuntimeException e) {
            throw new StateImportException(
                    source, name(), "has a map key that does not read (record " + record + ")", e);
        }
    }

    private static byte[] upgrade(StateSerializer<?> serializer, int fromVersion, byte[] payload) {
        return fromVersion < serializer.version() ? serializer.upgrade(fromVersion, payload) : payload;
    }

    StateImportException damaged(String problem, long record) {
        return new StateImportException(source, name(), problem + " (record " + record + ")");
    }
}
