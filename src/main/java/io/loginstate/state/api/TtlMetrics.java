package io.loginstate.state.api;

/** What TTL cleanup of one partition reports, readable from any thread. */
public interface TtlMetrics {

    /** Expired entries (or list elements) removed so far, by how they were found. */
    long removed(CleanupStrategy strategy);

    /** Expired entries still stored, as of the last cleanup pass (capped count). */
    long waitingEntries();

    /** Targeted compactions run to enforce the deletion deadline. */
    long purges();
}
