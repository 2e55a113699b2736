package io.loginstate.checkpoint;

/**
 * Checkpoint ids carry the owner's claim number (see {@link OwnershipFence}) in their upper half
 * and a sequence number in the lower, so owners never share an id and ids grow with claims.
 */
final class CheckpointIds {

    private CheckpointIds() {}

    static long of(long claim, long sequence) {
        return (claim << 32) | (sequence & 0xffffffffL);
    }

    /** The claim number of a checkpoint id; 0 for {@code -1} (no checkpoint). */
    static long claim(long checkpointId) {
        return checkpointId < 0 ? 0 : checkpointId >>> 32;
    }

    static long sequence(long checkpointId) {
        return checkpointId & 0xffffffffL;
    }

    /** {@code <claim>-<sequence>}, as in logs. */
    static String text(long checkpointId) {
        return claim(checkpointId) + "-" + sequence(checkpointId);
    }

    /**
     * The id {@link #text} wrote, or an id as a plain number (as {@code LATEST} records it).
     *
     * @throws IllegalArgumentException if it is neither
     */
    static long parse(String text) {
        String value = text.strip();
        try {
            int dash = value.indexOf('-');
            if (dash < 0) {
                long id = Long.parseLong(value);
                if (id >= 0) {
                    return id;
                }
            } else {
                long claim = Long.parseLong(value.substring(0, dash));
                long sequence = Long.parseLong(value.substring(dash + 1));
                if (claim >= 0 && claim <= Integer.MAX_VALUE && sequence >= 0 && sequence <= 0xffffffffL) {
                    return of(claim, sequence);
                }
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("'" + text + "' is not a checkpoint id (<claim>-<sequence>, e.g. 3-12, or a"
                + " number as LATEST records it)");
    }
}
