package io.loginstate.bench.throughput.service;

import io.loginstate.bench.throughput.oracle.StateVerifier.Verification;
import io.loginstate.bench.throughput.query.LatencySummary;
import java.util.Locale;

/**
 * What one service run measured.
 *
 * @param rate            records per second from the first applied record to the last
 * @param records         records the rate covers (those applied before the first observation excluded)
 * @param seconds         the time it covers
 * @param applyMicros     the applying threads' time per record (batch apply and commit), from the metrics; NaN if absent
 * @param memory          at the end of ingest
 * @param verification    the final state against the oracle
 * @param queries         the query load's latencies, or null without load
 * @param stateBytes      the state directory's size after the service stopped
 */
public record ServiceResult(
        String label,
        double rate,
        long records,
        double seconds,
        double applyMicros,
        ServiceMemory memory,
        Verification verification,
        LatencySummary queries,
        long stateBytes) {

    public String describe() {
        return String.format(
                Locale.ROOT,
                "[%s] %,.0f records/s (%,d records in %.2f s), apply %.1f µs per record; %s; state on disk %s; "
                        + "verification %s",
                label,
                rate,
                records,
                seconds,
                applyMicros,
                memory.describe(),
                ServiceMemory.mib(stateBytes),
                verification.summary());
    }
}
