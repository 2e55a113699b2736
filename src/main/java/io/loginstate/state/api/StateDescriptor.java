package io.loginstate.state.api;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Names a state and says how to store it: its kind, serializers and optional TTL. The name is the
 * state's identity in storage, so renaming a state abandons its data.
 */
public final class StateDescriptor<S> {

    /** The shape of a state. */
    public enum Kind {
        VALUE,
        LIST,
        MAP
    }

    private final String name;
    private final Kind kind;
    private final StateSerializer<?> keySerializer;
    private final StateSerializer<?> valueSerializer;
    private final TtlConfig ttl;

    private StateDescriptor(
            String name,
            Kind kind,
            StateSerializer<?> keySerializer,
            StateSerializer<?> valueSerializer,
            TtlConfig ttl) {
        if (name == null || name.isEmpty() || name.startsWith("_") || name.length() > 100) {
            throw new IllegalArgumentException("State name must be 1..100 characters and not start with '_': " + name);
        }
        this.name = name;
        this.kind = kind;
        this.keySerializer = keySerializer;
        this.valueSerializer = Objects.requireNonNull(valueSerializer, "valueSerializer");
        this.ttl = ttl;
    }

    public static <T> StateDescriptor<ValueState<T>> value(String name, StateSerializer<T> serializer) {
        return new StateDescriptor<>(name, Kind.VALUE, null, serializer, null);
    }

    public static <T> StateDescriptor<ListState<T>> list(String name, StateSerializer<T> elementSerializer) {
        return new StateDescriptor<>(name, Kind.LIST, null, elementSerializer, null);
    }

    public static <K, V> StateDescriptor<MapState<K, V>> map(
            String name, StateSerializer<K> keySerializer, StateSerializer<V> valueSerializer) {
        return new StateDescriptor<>(
                name, Kind.MAP, Objects.requireNonNull(keySerializer, "keySerializer"), valueSerializer, null);
    }

    /** The same state with TTL; {@code null} or a disabled config means no TTL. */
    public StateDescriptor<S> withTtl(TtlConfig config) {
        return new StateDescriptor<>(name, kind, keySerializer, valueSerializer, config);
    }

    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    public StateSerializer<?> keySerializer() {
        return keySerializer;
    }

    public StateSerializer<?> valueSerializer() {
        return valueSerializer;
    }

    public Optional<TtlConfig> ttl() {
        return ttl == null || !ttl.enabled() ? Optional.empty() : Optional.of(ttl);
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(Locale.ROOT) + " state '" + name + "'"
                + (ttl().isPresent() ? " with " + ttl : "");
    }
}
