package io.loginstate.cli;

import io.loginstate.login.LoginStates;
import io.loginstate.login.RecentLogin;
import io.loginstate.login.UserLoginState;
import io.loginstate.savepoint.SavepointManifest;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.StateSerializer;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.plain.ValueFormat;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * Decodes a part's records for a person (docs/SAVEPOINT-FORMAT.md, "Stored values"): the tag and
 * TTL stamp of {@link ValueFormat}, then the payload with the login application's serializer of the
 * id and version the part names, upgraded if older; hex where the serializer is not known here.
 */
final class StoredEntries {

    /** One record: the list index or map key (null for a value), the value, its stamp (null: plain). */
    record Entry(String subKey, String value, boolean decoded, Long stamp) {
        /** {@code [3] value} for a list element, {@code key -> value} for a map entry. */
        String text() {
            if (subKey == null) {
                return value;
            }
            return subKey + (subKey.startsWith("[") ? " " : " -> ") + value;
        }

        String stampText() {
            return stamp == null ? "no TTL stamp" : "TTL stamp " + time(stamp);
        }
    }

    private final Map<String, StateSerializer<?>> serializers = new HashMap<>();
    private final Map<String, String> states;

    StoredEntries(SavepointManifest manifest) {
        this.states = manifest.states() == null ? Map.of() : manifest.states();
        // The descriptors' serializers; the TTL given here plays no part in decoding.
        for (StateDescriptor<?> descriptor : new LoginStates(TtlConfig.of(Duration.ofDays(1))).all()) {
            serializers.put(descriptor.valueSerializer().id(), descriptor.valueSerializer());
            if (descriptor.kind() == StateDescriptor.Kind.MAP) {
                serializers.put(descriptor.keySerializer().id(), descriptor.keySerializer());
            }
        }
    }

    Entry decode(String state, byte[] subKey, byte[] stored) {
        String kind = states.getOrDefault("state." + state + ".kind", "value");
        String sub = switch (kind) {
            case "list" -> subKey.length == 4 ? "[" + ByteBuffer.wrap(subKey).getInt() + "]" : hex(subKey);
            case "map" -> payload(state + ".map-key-serializer", subKey).text();
            default -> null;
        };
        if (stored.length == 0 || (stored[0] != ValueFormat.PLAIN && stored[0] != ValueFormat.STAMPED)) {
            return new Entry(sub, hex(stored), false, null);
        }
        Long stamp = ValueFormat.isStamped(stored, 0) ? ValueFormat.getLong(stored, 1) : null;
        byte[] payload = Arrays.copyOfRange(stored, ValueFormat.payloadOffset(stored, 0), stored.length);
        Decoded value = payload(state + ".serializer", payload);
        return new Entry(sub, value.text(), value.decoded(), stamp);
    }

    private record Decoded(String text, boolean decoded) {}

    /** The payload through the serializer the property names; hex if unknown or unreadable. */
    private Decoded payload(String property, byte[] payload) {
        String id = states.get("state." + property);
        StateSerializer<?> serializer = id == null ? null : serializers.get(id);
        if (serializer == null) {
            return new Decoded(hex(payload), false);
        }
        try {
            int version = Integer.parseInt(states.getOrDefault("state." + property + "-version", "1"));
            byte[] current = version < serializer.version() ? serializer.upgrade(version, payload) : payload;
            return new Decoded(text(serializer.deserialize(current, 0, current.length)), true);
        } catch (RuntimeException e) {
            return new Decoded(hex(payload) + " (does not read as " + id + ": " + Failures.oneLine(e) + ")", false);
        }
    }

    private static String text(Object value) {
        if (value instanceof UserLoginState u) {
            return "lastLogin " + time(u.lastLogin()) + ", firstSeen " + time(u.firstSeen()) + ", logins "
                    + u.loginCount() + ", failed " + u.failedLoginCount();
        }
        if (value instanceof RecentLogin r) {
            return time(r.timestamp()) + " " + (r.success() ? "success" : "failure");
        }
        return String.valueOf(value);
    }

    static String time(long millis) {
        return millis == UserLoginState.NONE
                ? "none"
                : Instant.ofEpochMilli(millis).toString();
    }

    private static String hex(byte[] bytes) {
        return "0x" + HexFormat.of().formatHex(bytes);
    }
}
