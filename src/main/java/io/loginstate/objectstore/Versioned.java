package io.loginstate.objectstore;

import java.util.Arrays;
import java.util.Objects;

/**
 * An object's content with the version a conditional replace must name. The version is opaque: an
 * ETag on S3, a content hash in a directory. Both change with the content only, so an object
 * rewritten with the same bytes keeps its version; fencing content (owner and epoch) never repeats.
 */
public record Versioned(byte[] bytes, String version) {

    public Versioned {
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(version, "version");
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Versioned that && Arrays.equals(bytes, that.bytes) && version.equals(that.version);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(bytes) + version.hashCode();
    }

    @Override
    public String toString() {
        return "Versioned[" + bytes.length + " bytes, version=" + version + "]";
    }
}
