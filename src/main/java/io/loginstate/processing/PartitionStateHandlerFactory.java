package io.loginstate.processing;

import io.loginstate.state.api.KeyedStateBackend;
import io.loginstate.state.api.StateDescriptor;
import org.apache.kafka.common.TopicPartition;

import java.util.List;

/** Creates the application's handler for each partition and declares the states it uses. */
public interface PartitionStateHandlerFactory {

    List<StateDescriptor<?>> stateDescriptors();

    PartitionStateHandler create(TopicPartition partition, KeyedStateBackend state);
}
