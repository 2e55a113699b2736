package io.loginstate.state.api;

import java.nio.file.Path;

/**
 * A copy of a partition's committed state in a local directory, ending at a batch boundary: the
 * position (next input offset) of the last batch it holds and the event-time watermark stored
 * with it.
 *
 * @param position  next input offset; -1 if nothing was ever committed
 * @param watermark {@link EventTimeClock#NO_TIME} before the first event
 */
public record StateSnapshot(Path directory, long position, long watermark) {}
