package io.loginstate.erasure;

import io.loginstate.objectstore.ObjectInfo;
import io.loginstate.objectstore.ObjectStore;
import io.loginstate.objectstore.Versioned;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Receipts in the object store, shared by every instance: {@code erasures/<erasureId>.json}, each
 * changed by compare-and-swap so any instance can advance it; and, while an erasure is open, its
 * work item {@code erasures-open/<erasureId>}, which holds the user id the savepoint rewrite needs
 * and is deleted when the erasure completes, so after completion no object names the user.
 */
public final class ErasureReceipts {

    static final String RECEIPTS = "erasures/";
    static final String OPEN = "erasures-open/";
    private static final String SUFFIX = ".json";
    private static final int ATTEMPTS = 10;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final ObjectStore store;

    public ErasureReceipts(ObjectStore store) {
        this.store = store;
    }

    /** Null when {@code erasureId} is well formed, else what is wrong with it. */
    public static String idProblem(String erasureId) {
        return erasureId != null && ID.matcher(erasureId).matches()
                ? null
                : "an erasure id is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit";
    }

    public Optional<ErasureReceipt> get(String erasureId) {
        String key = key(erasureId);
        return store.get(key).map(json -> ErasureReceipt.fromJson(json, key));
    }

    /** Every receipt requested at or after {@code since}, oldest request first (then by id). */
    public List<ErasureReceipt> since(Instant since) {
        List<ErasureReceipt> receipts = new ArrayList<>();
        for (ObjectInfo object : store.list(RECEIPTS)) {
            if (!object.key().endsWith(SUFFIX)) {
                continue;
            }
            store.get(object.key())
                    .map(json -> ErasureReceipt.fromJson(json, object.key()))
                    .filter(receipt -> !receipt.requestedAt().isBefore(since))
                    .ifPresent(receipts::add);
        }
        receipts.sort(
                java.util.Comparator.comparing(ErasureReceipt::requestedAt).thenComparing(ErasureReceipt::erasureId));
        return receipts;
    }

    /**
     * Stores the receipt of an erasure from savepoints at rest (the operator command line): no
     * topic, partition or command, and every step but "recorded" and "purged from savepoints"
     * absent, since nothing but savepoints was touched. A second one on the same day gets the
     * next free suffix.
     */
    public ErasureReceipt recordOffline(
            SubjectKey subjects,
            byte[] userKey,
            java.time.Instant started,
            java.time.Instant finished,
            String detail,
            boolean found) {
        String subject = subjects.subject(userKey);
        String base = SubjectKey.erasureId(subject, started) + "-cli";
        for (int repeat = 1; repeat < 100; repeat++) {
            String id = repeat == 1 ? base : base + "-" + repeat;
            ErasureReceipt receipt = new ErasureReceipt(
                    id,
                    subject,
                    null,
                    null,
                    started,
                    null,
                    null,
                    found,
                    new ErasureReceipt.Steps(
                            ErasureReceipt.Step.at(started),
                            null,
                            null,
                            null,
                            null,
                            ErasureReceipt.Step.at(finished, detail),
                            ErasureReceipt.Step.at(finished)),
                    null);
            if (store.putIfAbsent(key(id), receipt.toJson())) {
                return get(id).orElseThrow();
            }
        }
        throw new IllegalStateException("99 offline erasures of one subject on one day: refusing another receipt");
    }

    /** Stores a new receipt and its work item; false if a receipt with its id exists. */
    boolean create(ErasureReceipt receipt, byte[] userKey) {
        store.put(OPEN + receipt.erasureId(), userKey);
        return store.putIfAbsent(key(receipt.erasureId()), receipt.toJson());
    }

    /** Replaces a receipt (a repeated request re-opens it) and stores its work item again. */
    void reopen(ErasureReceipt receipt, byte[] userKey) {
        store.put(OPEN + receipt.erasureId(), userKey);
        update(receipt.erasureId(), current -> receipt);
    }

    /**
     * Applies {@code change} to the stored receipt by compare-and-swap, retried while another
     * instance changes it meanwhile; returns the receipt stored in the end (unchanged if
     * {@code change} returned the same object).
     */
    ErasureReceipt update(String erasureId, UnaryOperator<ErasureReceipt> change) {
        String key = key(erasureId);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Versioned current = store.getVersioned(key)
                    .orElseThrow(() -> new IllegalStateException("No erasure receipt " + erasureId));
            ErasureReceipt stored = ErasureReceipt.fromJson(current.bytes(), key);
            ErasureReceipt next = change.apply(stored);
            if (next == stored) {
                return stored;
            }
            if (store.replaceIfMatch(key, next.toJson(), current.version())) {
                return ErasureReceipt.fromJson(next.toJson(), key);
            }
        }
        throw new IllegalStateException(
                "Erasure receipt " + erasureId + " kept changing during " + ATTEMPTS + " updates");
    }

    /** The ids of the erasures not complete yet. */
    List<String> open() {
        return store.list(OPEN).stream()
                .map(object -> object.key().substring(OPEN.length()))
                .filter(id -> idProblem(id) == null)
                .toList();
    }

    /** The user key of an open erasure, empty once it is complete. */
    Optional<byte[]> userKey(String erasureId) {
        return store.get(OPEN + erasureId);
    }

    /** Deletes the work item of a completed erasure: from now on no object names the user. */
    void close(String erasureId) {
        store.delete(OPEN + erasureId);
    }

    static String key(String erasureId) {
        String problem = idProblem(erasureId);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return RECEIPTS + erasureId + SUFFIX;
    }
}
