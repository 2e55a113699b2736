package io.loginstate.erasure;

/** The broker did not acknowledge an erase command: nothing was recorded, the caller may retry. */
public final class EraseNotRecordedException extends RuntimeException {

    public EraseNotRecordedException(String message, Throwable cause) {
        super(message, cause);
    }
}
