package io.loginstate.processing;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs one partition's tasks strictly one after another on a shared pool: each task is chained
 * behind the previous one, so a partition uses one thread at a time while partitions run in
 * parallel. A task may end in a future (dead letters being stored, a backoff): the next task
 * starts once it completes, and no thread waits meanwhile. Batches are counted: the future a
 * batch gets back completes when the queue has room, which is how the consumer is slowed down.
 */
final class PartitionChain {

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final Executor executor;
    private final int maxQueuedBatches;
    private final ArrayDeque<CompletableFuture<Void>> queuedBatches = new ArrayDeque<>();
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    /** Batches queued that have not started yet. */
    private final AtomicInteger waitingBatches = new AtomicInteger();

    PartitionChain(Executor executor, int maxQueuedBatches) {
        this.executor = executor;
        this.maxQueuedBatches = maxQueuedBatches;
    }

    /** Queues a batch's task; the result completes when fewer than the maximum batches are queued. */
    synchronized CompletableFuture<Void> enqueueBatch(Supplier<CompletionStage<Void>> task) {
        waitingBatches.incrementAndGet();
        CompletableFuture<Void> done = appendAsync(() -> {
            waitingBatches.decrementAndGet();
            return task.get();
        });
        queuedBatches.addLast(done);
        while (!queuedBatches.isEmpty() && queuedBatches.peekFirst().isDone()) {
            queuedBatches.removeFirst();
        }
        return queuedBatches.size() > maxQueuedBatches
                ? queuedBatches.peekFirst()
                : CompletableFuture.completedFuture(null);
    }

    /** Queues a task that is not a batch (checkpoint, maintenance, close); completes when it has run. */
    synchronized CompletableFuture<Void> append(Runnable task) {
        return appendAsync(() -> {
            task.run();
            return DONE;
        });
    }

    /** Queues a task whose work ends when the stage it returns completes; the next task waits for that. */
    synchronized CompletableFuture<Void> appendAsync(Supplier<CompletionStage<Void>> task) {
        // A task that failed must not keep the ones behind it from running.
        tail = tail.exceptionally(ignored -> null).thenComposeAsync(ignored -> run(task), executor);
        return tail;
    }

    private static CompletionStage<Void> run(Supplier<CompletionStage<Void>> task) {
        try {
            return task.get();
        } catch (RuntimeException | Error e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Batches queued behind the running task. */
    int waitingBatches() {
        return waitingBatches.get();
    }

    /** A task the chain holds at most once at a time (a checkpoint, maintenance): asking again while queued does nothing. */
    static final class OnceQueued {
        private final AtomicBoolean queued = new AtomicBoolean();
        private final Supplier<CompletionStage<Void>> task;

        OnceQueued(Supplier<CompletionStage<Void>> task) {
            this.task = task;
        }

        void queueOn(PartitionChain chain) {
            if (queued.compareAndSet(false, true)) {
                chain.appendAsync(() -> {
                    queued.set(false);
                    return task.get();
                });
            }
        }
    }
}
