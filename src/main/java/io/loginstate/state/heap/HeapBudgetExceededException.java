package io.loginstate.state.heap;

import io.loginstate.state.store.StorageUnavailableException;

/**
 * A commit of a {@link HeapStore} would take the instance's heap state over its {@link HeapBudget}:
 * nothing of it was applied. Handled as a full volume ({@link #full()} is true): the partition holds
 * its records and retries the same batch with backoff, dead-letters nothing, and goes on by itself
 * once the budget has room again.
 */
public final class HeapBudgetExceededException extends StorageUnavailableException {

    public HeapBudgetExceededException(String storeName, String operation, long neededBytes, HeapBudget budget) {
        super(
                storeName,
                operation,
                new IllegalStateException("the heap state budget is spent (" + budget.usedBytes() + " of "
                        + budget.maxBytes() + " bytes in use, " + neededBytes + " more needed;"
                        + " login-state.state.heap.max-bytes)"),
                true);
    }

    @Override
    public String shortage() {
        return "the heap state budget is spent";
    }
}
