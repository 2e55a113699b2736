package io.loginstate.savepoint;

import io.loginstate.support.ChecksummedJson;
import java.time.Instant;

/**
 * What an operator asked for: one savepoint of every partition of {@code topic}. Every instance
 * polls for requests without a manifest and writes the parts of the partitions it owns. Pinned
 * savepoints are never deleted by age, nor by {@code DELETE}.
 */
public record SavepointRequest(
        int formatVersion,
        String id,
        String topic,
        int partitions,
        String partitioner,
        String deployment,
        Instant requestedAt,
        String requestedBy,
        boolean pinned) {

    public static final int FORMAT_VERSION = 1;

    SavepointRequest withPinned(boolean value) {
        return new SavepointRequest(
                formatVersion, id, topic, partitions, partitioner, deployment, requestedAt, requestedBy, value);
    }

    byte[] toJson() {
        return ChecksummedJson.write(this);
    }

    static SavepointRequest fromJson(byte[] bytes) {
        SavepointRequest request = ChecksummedJson.read(bytes, SavepointRequest.class, "savepoint request");
        if (request.formatVersion() < 1 || request.formatVersion() > FORMAT_VERSION) {
            throw new IllegalArgumentException("Savepoint request format " + request.formatVersion()
                    + " is not supported (this version reads up to " + FORMAT_VERSION + ")");
        }
        return request;
    }
}
