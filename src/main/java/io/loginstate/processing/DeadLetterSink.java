package io.loginstate.processing;

import java.util.concurrent.CompletableFuture;

/** Where rejected records go; the future completes once the record is durably stored. */
public interface DeadLetterSink {

    CompletableFuture<Void> publish(Rejection rejection);
}
