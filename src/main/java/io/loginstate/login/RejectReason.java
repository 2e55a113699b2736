package io.loginstate.login;

/** Why a login record was sent to the dead-letter topic; the name is the header value. */
public enum RejectReason {
    NOT_JSON,
    MISSING_USER_ID,
    INVALID_USER_ID,
    KEY_MISMATCH,
    INVALID_TIMESTAMP,
    /** Later than the wall clock (or the record's own timestamp, if earlier) plus {@code ttl.max-future-skew}. */
    TIMESTAMP_IN_FUTURE,
    /** Before 1970-01-01T00:00:00Z (or no timestamp at all: neither in the event nor on the record). */
    TIMESTAMP_BEFORE_EPOCH,
    INVALID_OUTCOME,
    INVALID_USER_AGENT,
    TOO_LARGE,
    /** A {@code type} other than {@code login} (the default) or {@code erase}. */
    UNKNOWN_TYPE,
    /** An erase command whose {@code erasureId} is not a well-formed id. */
    INVALID_ERASURE_ID
}
