package io.loginstate.savepoint;

import io.loginstate.support.ChecksummedJson;
import java.time.Instant;

/** The last failure to write a partition's part (it is tried again at the next poll). */
public record PartFailure(int partition, String reason, String instance, Instant at) {

    byte[] toJson() {
        return ChecksummedJson.write(this);
    }

    static PartFailure fromJson(byte[] bytes) {
        return ChecksummedJson.read(bytes, PartFailure.class, "savepoint part failure");
    }
}
