package io.loginstate.state.api;

import java.util.List;

/** A list per key, scoped to the key being processed; with TTL each element expires on its own. */
public interface ListState<T> {

    /** The current key's elements in insertion order; empty if there are none. */
    List<T> get();

    void add(T element);

    /**
     * Adds the element, then drops the oldest elements so that at most {@code maxElements} remain;
     * the kept elements keep their TTL timestamps.
     */
    void add(T element, int maxElements);

    /** Replaces all elements of the current key. */
    void update(List<T> elements);

    void clear();
}
