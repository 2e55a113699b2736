package io.loginstate.app;

import io.loginstate.state.heap.HeapBudget;
import io.loginstate.state.heap.HeapStore;
import io.loginstate.state.store.ByteStore;
import io.loginstate.support.Directories;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.stream.Stream;

/**
 * Each partition's state on the heap ({@link HeapStore}), all within one {@link HeapBudget}. A
 * partition's directory only ever holds the snapshot a restore just downloaded: it is read and then
 * deleted, so no local state outlives the store, and a restart restores from the checkpoint. No
 * read cache: the entries are on the heap already, and a cache would hold copies outside the budget.
 */
final class HeapPartitionStores implements PartitionStores {

    private final HeapBudget budget;

    HeapPartitionStores(HeapBudget budget, MeterRegistry meters) {
        this.budget = budget;
        Gauge.builder("login_state.heap.state", budget, HeapBudget::usedBytes)
                .baseUnit("bytes")
                .description("Bytes of the heap state of all partitions of the instance (keys, values, per-entry"
                        + " overhead)")
                .register(meters);
        Gauge.builder("login_state.heap.state.budget", budget, HeapBudget::maxBytes)
                .baseUnit("bytes")
                .description("The byte budget of the heap state of the instance (login-state.state.heap.max-bytes)")
                .register(meters);
    }

    HeapBudget budget() {
        return budget;
    }

    @Override
    public String name() {
        return "heap";
    }

    @Override
    public ByteStore open(String storeName, Path directory, Collection<String> tables, boolean verify) {
        if (!HeapStore.hasSnapshot(directory) && isEmpty(directory)) {
            Directories.deleteRecursively(directory);
            return HeapStore.open(storeName, tables, budget);
        }
        // The snapshot file carries its own checksum and is checked as it is read: nothing to verify first.
        HeapStore store = HeapStore.restore(storeName, directory, tables, budget);
        Directories.deleteRecursively(directory);
        return store;
    }

    private static boolean isEmpty(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.findAny().isEmpty();
        } catch (NoSuchFileException e) {
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + directory, e);
        }
    }

    @Override
    public boolean keepsLocalState() {
        return false;
    }

    @Override
    public long cacheBytes(long configured) {
        return 0;
    }

    @Override
    public void close() {
        // Each store gives its bytes back when its partition closes.
    }
}
