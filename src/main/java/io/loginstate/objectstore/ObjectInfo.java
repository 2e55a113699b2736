package io.loginstate.objectstore;

/** One listed object: its key (without the store's own prefix) and its size in bytes. */
public record ObjectInfo(String key, long size) {
}
