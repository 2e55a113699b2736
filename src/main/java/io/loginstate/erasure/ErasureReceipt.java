package io.loginstate.erasure;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.loginstate.support.ChecksummedJson;
import java.time.Instant;

/**
 * What an auditor is shown for one erasure: who (the {@link SubjectKey subject}, never the id),
 * where (topic, partition, the erase command's offset), when it was asked for and by when it is
 * due, whether the owner held state for the user when it was asked, and each step with its time.
 * A receipt of the operator command line names no topic, partition or offset: it erased
 * savepoints at rest only. {@code ownerClaim} of {@code applied} is the claim of the
 * partition's checkpoint owner that applied it, {@code checkpointsAfter} of {@code purgedLocally}
 * the time after which every retained checkpoint must have been started. Stored as checksummed JSON under {@code erasures/<erasureId>.json}; a step not reached yet is
 * absent.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ErasureReceipt(
        String erasureId,
        String subject,
        String topic,
        Integer partition,
        Instant requestedAt,
        Instant deadline,
        Long commandOffset,
        boolean stateFound,
        Steps steps,
        String checksum) {

    /** One step: when it was reached, the offset it is about (if any) and what it found. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Step(Instant at, Long offset, Long ownerClaim, Instant checkpointsAfter, String detail) {

        static Step at(Instant at) {
            return new Step(at, null, null, null, null);
        }

        static Step at(Instant at, String detail) {
            return new Step(at, null, null, null, detail);
        }
    }

    /**
     * The steps in order: the command is acknowledged by the broker ({@code recorded}), queries
     * stop showing the user ({@code invisible}), the owner applied the command ({@code applied}),
     * the erased bytes left every local file ({@code purgedLocally}), every retained checkpoint
     * was taken after that ({@code purgedFromCheckpoints}), every savepoint is without the user
     * ({@code purgedFromSavepoints}), all of it ({@code complete}).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Steps(
            Step recorded,
            Step invisible,
            Step applied,
            Step purgedLocally,
            Step purgedFromCheckpoints,
            Step purgedFromSavepoints,
            Step complete) {

        Steps withApplied(Step step) {
            return new Steps(
                    recorded, invisible, step, purgedLocally, purgedFromCheckpoints, purgedFromSavepoints, complete);
        }

        Steps withPurgedLocally(Step step) {
            return new Steps(recorded, invisible, applied, step, purgedFromCheckpoints, purgedFromSavepoints, complete);
        }

        Steps withPurgedFromCheckpoints(Step step) {
            return new Steps(recorded, invisible, applied, purgedLocally, step, purgedFromSavepoints, complete);
        }

        Steps withPurgedFromSavepoints(Step step) {
            return new Steps(recorded, invisible, applied, purgedLocally, purgedFromCheckpoints, step, complete);
        }

        Steps withComplete(Step step) {
            return new Steps(
                    recorded, invisible, applied, purgedLocally, purgedFromCheckpoints, purgedFromSavepoints, step);
        }
    }

    public boolean complete() {
        return steps.complete() != null;
    }

    /** This receipt with other steps (the checksum is computed when it is written). */
    ErasureReceipt with(Steps next) {
        return new ErasureReceipt(
                erasureId, subject, topic, partition, requestedAt, deadline, commandOffset, stateFound, next, null);
    }

    /** The JSON stored: canonical, with its checksum. */
    public byte[] toJson() {
        return ChecksummedJson.withChecksum(checksum -> new ErasureReceipt(
                erasureId,
                subject,
                topic,
                partition,
                requestedAt,
                deadline,
                commandOffset,
                stateFound,
                steps,
                checksum));
    }

    /**
     * Parses a stored receipt.
     *
     * @throws IllegalArgumentException if it is not a receipt or its checksum does not match
     */
    static ErasureReceipt fromJson(byte[] json, String key) {
        ErasureReceipt receipt = ChecksummedJson.read(json, ErasureReceipt.class, "erasure receipt (" + key + ")");
        String expected = ChecksummedJson.checksumOf(receipt.with(receipt.steps()));
        if (receipt.checksum() == null || !receipt.checksum().equals(expected)) {
            throw new IllegalArgumentException("Erasure receipt " + key + " does not match its checksum");
        }
        return receipt;
    }
}
