package io.loginstate.login;

import io.loginstate.config.LoginStateConfig;
import io.loginstate.processing.PartitionStateHandler;
import io.loginstate.processing.PartitionStateHandlerFactory;
import io.loginstate.state.KeyedStateBackend;
import io.loginstate.state.api.StateDescriptor;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.common.TopicPartition;

import java.util.List;

/** Plugs the login application into the partition processors. */
@ApplicationScoped
public class LoginStateHandlerFactory implements PartitionStateHandlerFactory {

    @Inject
    LoginStateConfig config;

    private LoginStates states;

    @PostConstruct
    void init() {
        states = LoginStates.from(config.ttl());
    }

    public LoginStates states() {
        return states;
    }

    @Override
    public List<StateDescriptor<?>> stateDescriptors() {
        return states.all();
    }

    @Override
    public PartitionStateHandler create(TopicPartition partition, KeyedStateBackend state) {
        return new LoginPartitionHandler(state, states, new LoginEventParser(config.processing().maxValueBytes()));
    }
}
