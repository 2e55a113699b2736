package io.loginstate.state.api;

/**
 * What application code uses: states created from descriptors, all scoped to the current key. A
 * state object is created once and follows {@link #setCurrentKey} afterwards.
 */
public interface KeyedStateStore {

    /** Scopes every state of this store to {@code key} until the next call. */
    void setCurrentKey(byte[] key);

    <T> ValueState<T> valueState(StateDescriptor<ValueState<T>> descriptor);

    <T> ListState<T> listState(StateDescriptor<ListState<T>> descriptor);

    <K, V> MapState<K, V> mapState(StateDescriptor<MapState<K, V>> descriptor);
}
