package io.loginstate.processing;

import io.loginstate.state.api.KeyedStateBackend;
import io.loginstate.state.api.StateDescriptor;
import java.util.List;
import org.apache.kafka.common.TopicPartition;

/** Creates the application's handler for each partition and declares the states it uses. */
public interface PartitionStateHandlerFactory {

    List<StateDescriptor<?>> stateDescriptors();

    PartitionStateHandler create(TopicPartition partition, KeyedStateBackend state);
}
