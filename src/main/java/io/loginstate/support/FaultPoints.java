package io.loginstate.support;

import java.util.concurrent.locks.LockSupport;
import org.jboss.logging.Logger;

/**
 * A test aid: named points in the checkpoint and restore code where a test can stop a thread, so
 * that it kills the process at exactly that phase. The point to stop at is read once, from the
 * system property {@value #PROPERTY}; without it (as in production) every point is a no-op. A
 * thread that reaches the named point logs {@code Fault point <name> reached; pausing} and parks
 * for good: the process is meant to be killed then.
 */
public final class FaultPoints {

    /** Outside the {@code login-state} configuration, which refuses keys it does not know: no setting. */
    public static final String PROPERTY = "loginstate.fault.pause-at";

    private static final Logger LOG = Logger.getLogger(FaultPoints.class);
    private static final String PAUSE_AT = System.getProperty(PROPERTY, "");
    private static final boolean ARMED = !PAUSE_AT.isEmpty();

    private FaultPoints() {}

    /** Parks the calling thread for good if {@code name} is the point to stop at. */
    public static void reached(String name) {
        if (ARMED && PAUSE_AT.equals(name)) {
            pause(name);
        }
    }

    private static void pause(String name) {
        LOG.infof("Fault point %s reached; pausing", name);
        while (true) {
            // Interrupts are ignored as well: only the kill ends the wait.
            LockSupport.park(FaultPoints.class);
        }
    }
}
