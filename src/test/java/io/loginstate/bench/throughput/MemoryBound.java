package io.loginstate.bench.throughput;

import io.loginstate.bench.throughput.service.ServiceMemory;
import io.loginstate.bench.throughput.service.ServiceResult;
import java.util.Locale;

/**
 * Whether the memory-bounded run kept its resident set within heap max + RocksDB budget (block
 * cache + write buffers) + 15%. Judged on the peak resident set, not the one at the end: a bound
 * only holds if it holds throughout.
 */
record MemoryBound(long heapMaxBytes, long blockCacheBytes, long writeBufferBytes, long stateBytes, ServiceResult run) {

    static final double MARGIN = 0.15;

    long limitBytes() {
        return (long) ((heapMaxBytes + blockCacheBytes + writeBufferBytes) * (1 + MARGIN));
    }

    boolean within() {
        long peak = run.memory().peakRssBytes();
        return peak > 0 && peak <= limitBytes() && run.verification().passed();
    }

    String describe() {
        ServiceMemory memory = run.memory();
        return String.format(
                Locale.ROOT,
                "state on disk %s, block cache %s, write buffers %s, heap max %s: limit %s; "
                        + "peak RSS %s (at end %s), %s; ingest %,.0f records/s, state check %s",
                ServiceMemory.mib(stateBytes),
                ServiceMemory.mib(blockCacheBytes),
                ServiceMemory.mib(writeBufferBytes),
                ServiceMemory.mib(heapMaxBytes),
                ServiceMemory.mib(limitBytes()),
                ServiceMemory.mib(memory.peakRssBytes()),
                ServiceMemory.mib(memory.rssBytes()),
                within() ? "within the bound" : "NOT within the bound",
                run.rate(),
                run.verification().summary());
    }
}
