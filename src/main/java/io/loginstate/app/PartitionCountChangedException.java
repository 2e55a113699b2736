package io.loginstate.app;

import org.apache.kafka.common.TopicPartition;

/**
 * A partition's state was built while the topic had another number of partitions. Kafka's
 * partitioners place a key by the partition count, so after partitions were added some users' events
 * go to other partitions and this state no longer holds exactly this partition's users. The service
 * refuses to guess which; the message names the procedure (README, "Changing the partition count").
 */
public final class PartitionCountChangedException extends RuntimeException {

    public PartitionCountChangedException(TopicPartition partition, int recorded, int current) {
        super("Partition " + partition + ": its state was built for a topic of " + recorded
                + " partitions, the topic now has " + current + "; refusing to use it. Procedure: stop the"
                + " producers (or let them drain), take a savepoint (POST /admin/savepoints) while the topic"
                + " still has " + recorded + " partitions, add the partitions, rewrite the savepoint with"
                + " `login-state-cli savepoints resplit --id ID --partitions " + current
                + "`, and start a new deployment"
                + " (login-state.checkpoint.deployment-id) with login-state.restore.savepoint set to the"
                + " rewritten savepoint (README, \"Changing the partition count\")");
    }
}
