package io.loginstate.processing;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one partition's tasks strictly one after another on a shared pool: each task is chained
 * behind the previous one, so a partition uses one thread at a time while partitions run in
 * parallel. Batches are counted: the future a batch gets back completes when the queue has room,
 * which is how the consumer is slowed down.
 */
final class PartitionChain {

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
    synchronized CompletableFuture<Void> enqueueBatch(Runnable task) {
        waitingBatches.incrementAndGet();
        CompletableFuture<Void> done = append(() -> {
            waitingBatches.decrementAndGet();
            task.run();
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
        tail = tail.thenRunAsync(task, executor);
        return tail;
    }

    /** Batches queued behind the running task. */
    int waitingBatches() {
        return waitingBatches.get();
    }

    /** A task the chain holds at most once at a time (a checkpoint, maintenance): asking again while queued does nothing. */
    static final class OnceQueued {
        private final AtomicBoolean queued = new AtomicBoolean();
        private final Runnable task;

        OnceQueued(Runnable task) {
            this.task = task;
        }

        void queueOn(PartitionChain chain) {
            if (queued.compareAndSet(false, true)) {
                chain.append(() -> {
                    queued.set(false);
                    task.run();
                });
            }
        }
    }
}
