package io.loginstate.state.api;

/** One value per key, scoped to the key being processed. */
public interface ValueState<T> {

    /** The current key's value, or null if there is none (or it expired). */
    T value();

    void update(T value);

    void clear();
}
