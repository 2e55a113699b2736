package io.loginstate.processing;

import io.loginstate.state.PartitionStore;
import org.apache.kafka.common.TopicPartition;

import java.util.List;

/** Creates the application's handler for each partition and names the tables it needs. */
public interface PartitionStateHandlerFactory {

    List<String> tableNames();

    PartitionStateHandler create(TopicPartition partition, PartitionStore store);
}
