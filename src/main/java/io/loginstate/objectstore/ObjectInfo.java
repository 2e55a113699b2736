package io.loginstate.objectstore;

import java.time.Instant;

/**
 * One listed object: its key (without the store's own prefix), its size in bytes, and when it was
 * last written (the store's clock; used to leave young unreferenced objects alone).
 */
public record ObjectInfo(String key, long size, Instant lastModified) {}
