package io.loginstate.savepoint;

import java.util.regex.Pattern;

/**
 * Where savepoints live in the object store, beside (not under) any deployment, so a new
 * deployment can restore another's:
 * <pre>
 * savepoints/&lt;id&gt;/_request.json                               what was asked, and whether it is pinned
 * savepoints/&lt;id&gt;/&lt;topic&gt;-&lt;p&gt;.&lt;epoch&gt;.&lt;claim&gt;.&lt;attempt&gt;.part one partition's state (portable format)
 * savepoints/&lt;id&gt;/&lt;topic&gt;-&lt;p&gt;.json                          the part's summary: the part that counts
 * savepoints/&lt;id&gt;/&lt;topic&gt;-&lt;p&gt;.failed.json                   the last failure to write it, while it is missing
 * savepoints/&lt;id&gt;/_manifest.json                              written last, once every partition has its part
 * </pre>
 * A part's key names the owner epoch and claim that wrote it and a random attempt, so two writers
 * of the same partition (a fenced owner and its replacement, or two attempts) never overwrite each
 * other's bytes: the summary
 * says which part counts, and its size and CRC-32C are of that part. A deployment named
 * {@value #DEPLOYMENT_REFUSED} would share this prefix, so it is refused.
 */
public final class SavepointLayout {

    public static final String ROOT = "savepoints/";
    public static final String DEPLOYMENT_REFUSED = "savepoints";

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    private SavepointLayout() {}

    /** Refuses an id that is not a plain name (it becomes a key segment). */
    public static String checkId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException(
                    "A savepoint id is 1..100 letters, digits, '.', '_' or '-', starting with a" + " letter or digit: '"
                            + id + "'");
        }
        return id;
    }

    /** Refuses a deployment id whose checkpoints would lie under the savepoints' prefix. */
    public static void checkDeployment(String deploymentId) {
        if (DEPLOYMENT_REFUSED.equals(deploymentId)) {
            throw new IllegalArgumentException("login-state.checkpoint.deployment-id must not be '" + DEPLOYMENT_REFUSED
                    + "': that prefix of the object store holds the savepoints");
        }
    }

    static String prefix(String id) {
        return ROOT + id + "/";
    }

    static String request(String id) {
        return prefix(id) + "_request.json";
    }

    static String manifest(String id) {
        return prefix(id) + "_manifest.json";
    }

    static String summary(String id, String topic, int partition) {
        return prefix(id) + topic + "-" + partition + ".json";
    }

    static String failure(String id, String topic, int partition) {
        return prefix(id) + topic + "-" + partition + ".failed.json";
    }

    /** {@code attempt} tells two writes by one owner apart (a shutdown's and a poll's). */
    static String part(String id, String topic, int partition, long epoch, long claim, String attempt) {
        return prefix(id) + topic + "-" + partition + "." + epoch + "." + claim + "." + attempt + ".part";
    }

    /** The id a key under {@link #ROOT} belongs to, or null. */
    static String idOf(String key) {
        if (!key.startsWith(ROOT)) {
            return null;
        }
        int slash = key.indexOf('/', ROOT.length());
        return slash < 0 ? null : key.substring(ROOT.length(), slash);
    }
}
