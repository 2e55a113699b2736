package io.loginstate.erasure;

import java.time.Duration;
import java.time.Instant;

/** Where erase commands are recorded: the input topic, so they are ordered with the user's events. */
public interface EraseCommandLog {

    /**
     * Appends the erase command for {@code userKey} to {@code partition} of the input topic and
     * waits for the broker's acknowledgement (all in-sync replicas).
     *
     * @return the command's offset
     * @throws EraseNotRecordedException if it is not acknowledged within {@code timeout}
     */
    long append(int partition, byte[] userKey, String erasureId, Instant requestedAt, Duration timeout);

    /** The value of an erase command, as the event contract defines it. */
    static byte[] commandJson(String erasureId, Instant requestedAt) {
        return ("{\"type\":\"erase\",\"erasureId\":\"" + erasureId + "\",\"requestedAt\":" + requestedAt.toEpochMilli()
                        + "}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
