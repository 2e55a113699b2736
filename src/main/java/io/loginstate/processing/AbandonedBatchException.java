package io.loginstate.processing;

/** A batch that must not be committed; the next owner of the partition processes its records again. */
final class AbandonedBatchException extends RuntimeException {

    AbandonedBatchException(String message) {
        super(message, null, false, false);
    }
}
