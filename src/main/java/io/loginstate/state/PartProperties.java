package io.loginstate.state;

import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.StateSerializer;
import io.loginstate.state.api.TtlConfig;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The header properties of a savepoint part (docs/SAVEPOINT-FORMAT.md): what the part is, where
 * its partition stood, and each state's descriptor. Times are epoch milliseconds in decimal, or
 * {@value #NONE}.
 */
final class PartProperties {

    /** The version of the records' meaning (this file's, not the portable format's). */
    static final int PART_VERSION = 1;

    static final String PART_VERSION_KEY = "savepoint-part-version";
    static final String LAYOUT_VERSION = "layout-version";
    static final String NEXT_OFFSET = "next-offset";
    static final String WATERMARK = "watermark";
    static final String MAX_EVENT_TIME = "max-event-time";
    static final String EXPORTED_AT = "exported-at";
    static final String STATE_PREFIX = "state.";
    static final String NONE = "none";

    /** A state as a part describes it. */
    record PartState(
            String name,
            StateDescriptor.Kind kind,
            String serializer,
            int serializerVersion,
            String mapKeySerializer,
            int mapKeySerializerVersion,
            String ttl,
            OptionalLong ttlEnabledAt) {}

    private PartProperties() {}

    /** True for names this class writes; a caller's own properties must not take them. */
    static boolean reserved(String name) {
        return name.startsWith(STATE_PREFIX)
                || Set.of(PART_VERSION_KEY, LAYOUT_VERSION, NEXT_OFFSET, WATERMARK, MAX_EVENT_TIME, EXPORTED_AT)
                        .contains(name);
    }

    /** The descriptor's properties; {@code enabledAt} is when its TTL was switched on, if it has TTL. */
    static Map<String, String> describe(StateDescriptor<?> descriptor, OptionalLong enabledAt) {
        Map<String, String> properties = new LinkedHashMap<>();
        String prefix = STATE_PREFIX + descriptor.name() + ".";
        properties.put(prefix + "kind", descriptor.kind().name().toLowerCase(Locale.ROOT));
        properties.put(prefix + "serializer", descriptor.valueSerializer().id());
        properties.put(
                prefix + "serializer-version",
                Integer.toString(descriptor.valueSerializer().version()));
        if (descriptor.kind() == StateDescriptor.Kind.MAP) {
            properties.put(
                    prefix + "map-key-serializer", descriptor.keySerializer().id());
            properties.put(
                    prefix + "map-key-serializer-version",
                    Integer.toString(descriptor.keySerializer().version()));
        }
        properties.put(prefix + "ttl", ttlText(descriptor.ttl()));
        if (descriptor.ttl().isPresent() && enabledAt.isPresent()) {
            properties.put(prefix + "ttl-enabled-at", Long.toString(enabledAt.getAsLong()));
        }
        return properties;
    }

    /** The part's description of a state; a missing or malformed property is a damaged part. */
    static PartState state(String source, String name, Map<String, String> properties) {
        String prefix = STATE_PREFIX + name + ".";
        String kindText = required(source, name, properties, prefix + "kind");
        StateDescriptor.Kind kind;
        try {
            kind = StateDescriptor.Kind.valueOf(kindText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new StateImportException(source, name, "has an unknown kind '" + kindText + "'");
        }
        boolean map = kind == StateDescriptor.Kind.MAP;
        String enabledAt = properties.get(prefix + "ttl-enabled-at");
        return new PartState(
                name,
                kind,
                required(source, name, properties, prefix + "serializer"),
                number(source, name, required(source, name, properties, prefix + "serializer-version")),
                map ? required(source, name, properties, prefix + "map-key-serializer") : null,
                map
                        ? number(
                                source, name, required(source, name, properties, prefix + "map-key-serializer-version"))
                        : 0,
                properties.getOrDefault(prefix + "ttl", NONE),
                enabledAt == null ? OptionalLong.empty() : OptionalLong.of(longNumber(source, name, enabledAt)));
    }

    /** Refuses a part state the current descriptor cannot read. */
    static void checkCompatible(String source, PartState part, StateDescriptor<?> current) {
        if (part.kind() != current.kind()) {
            throw new StateImportException(
                    source,
                    part.name(),
                    "is a " + lower(part.kind()) + " state in the savepoint but a " + lower(current.kind())
                            + " state now");
        }
        checkSerializer(
                source, part.name(), "value", part.serializer(), part.serializerVersion(), current.valueSerializer());
        if (current.kind() == StateDescriptor.Kind.MAP) {
            checkSerializer(
                    source,
                    part.name(),
                    "map key",
                    part.mapKeySerializer(),
                    part.mapKeySerializerVersion(),
                    current.keySerializer());
        }
    }

    private static void checkSerializer(
            String source, String state, String role, String id, int version, StateSerializer<?> current) {
        if (!id.equals(current.id())) {
            throw new StateImportException(
                    source,
                    state,
                    "has " + role + "s of serializer '" + id + "', unknown here (the state now uses '" + current.id()
                            + "')");
        }
        if (version > current.version()) {
            throw new StateImportException(
                    source,
                    state,
                    "has " + role + "s of serializer '" + id + "' version " + version
                            + ", newer than this build's version " + current.version());
        }
        if (version < 1) {
            throw new StateImportException(source, state, "names serializer version " + version);
        }
    }

    static String ttlText(Optional<TtlConfig> ttl) {
        return ttl.map(config -> config.ttl() + " " + config.updateType() + " " + config.visibility() + " "
                        + config.timeCharacteristic())
                .orElse(NONE);
    }

    static String time(long millis) {
        return millis == EventTimeClock.NO_TIME ? NONE : Long.toString(millis);
    }

    static long time(String source, Map<String, String> properties, String key) {
        String text = properties.get(key);
        if (text == null) {
            throw new StateImportException(source, "has no property '" + key + "'");
        }
        if (text.equals(NONE)) {
            return EventTimeClock.NO_TIME;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new StateImportException(source, "has a malformed property " + key + "=" + text);
        }
    }

    private static String required(String source, String state, Map<String, String> properties, String key) {
        String value = properties.get(key);
        if (value == null) {
            throw new StateImportException(source, state, "has no property '" + key + "'");
        }
        return value;
    }

    private static int number(String source, String state, String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new StateImportException(source, state, "has a malformed number '" + text + "'");
        }
    }

    private static long longNumber(String source, String state, String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new StateImportException(source, state, "has a malformed number '" + text + "'");
        }
    }

    private static String lower(StateDescriptor.Kind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }
}
