package io.loginstate.state.api;

import java.util.Map;

/** A map per key, scoped to the key being processed; with TTL each entry expires on its own. */
public interface MapState<K, V> {

    V get(K key);

    void put(K key, V value);

    void remove(K key);

    /** The current key's entries, ordered by the serialized map key. */
    Map<K, V> entries();

    boolean isEmpty();

    void clear();
}
