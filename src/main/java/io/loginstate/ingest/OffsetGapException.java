package io.loginstate.ingest;

/** A partition's stored position does not fit its log; see {@link OffsetGaps}. */
public class OffsetGapException extends RuntimeException {

    public OffsetGapException(String message) {
        super(message);
    }
}
