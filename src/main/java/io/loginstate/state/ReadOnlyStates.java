package io.loginstate.state;

import io.loginstate.state.api.KeyedStateStore;
import io.loginstate.state.api.ListState;
import io.loginstate.state.api.MapState;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.ValueState;
import io.loginstate.state.plain.KeyContext;
import io.loginstate.state.ttl.TtlStateFactory;
import java.util.HashMap;
import java.util.Map;

/** The declared states over committed data, for readers on other threads: TTL applied, never writes. */
final class ReadOnlyStates implements KeyedStateStore {

    private final Map<String, StateDescriptor<?>> declared;
    private final TtlStateFactory factory;
    private final KeyContext keys = new KeyContext();
    private final Map<String, Object> states = new HashMap<>();

    ReadOnlyStates(Map<String, StateDescriptor<?>> declared, TtlStateFactory factory) {
        this.declared = declared;
        this.factory = factory;
    }

    @Override
    public void setCurrentKey(byte[] key) {
        keys.setCurrentKey(key);
    }

    @Override
    public <T> ValueState<T> valueState(StateDescriptor<ValueState<T>> descriptor) {
        return state(descriptor);
    }

    @Override
    public <T> ListState<T> listState(StateDescriptor<ListState<T>> descriptor) {
        return state(descriptor);
    }

    @Override
    public <K, V> MapState<K, V> mapState(StateDescriptor<MapState<K, V>> descriptor) {
        return state(descriptor);
    }

    @SuppressWarnings("unchecked")
    private <S> S state(StateDescriptor<?> descriptor) {
        StateDescriptor<?> state = declared.get(descriptor.name());
        if (state == null || state.kind() != descriptor.kind()) {
            throw new IllegalArgumentException("No " + descriptor.kind() + " state '" + descriptor.name() + "'");
        }
        return (S) states.computeIfAbsent(descriptor.name(), name -> factory.create(state, keys, true));
    }
}
