package io.loginstate.state.plain;

/** The key that every state of a partition is currently scoped to. */
public final class KeyContext {

    private byte[] currentKey;

    public void setCurrentKey(byte[] key) {
        if (key == null || key.length == 0) {
            throw new IllegalArgumentException("The state key must not be empty");
        }
        currentKey = key;
    }

    public byte[] currentKey() {
        if (currentKey == null) {
            throw new IllegalStateException("No current key: call setCurrentKey first");
        }
        return currentKey;
    }
}
