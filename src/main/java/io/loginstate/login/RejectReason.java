package io.loginstate.login;

/** Why a login record was sent to the dead-letter topic; the name is the header value. */
public enum RejectReason {
    NOT_JSON,
    MISSING_USER_ID,
    INVALID_USER_ID,
    KEY_MISMATCH,
    INVALID_TIMESTAMP,
    INVALID_OUTCOME,
    INVALID_USER_AGENT,
    TOO_LARGE
}
