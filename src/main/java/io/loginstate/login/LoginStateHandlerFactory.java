package io.loginstate.login;

import io.loginstate.config.LoginStateConfig;
import io.loginstate.processing.PartitionStateHandler;
import io.loginstate.processing.PartitionStateHandlerFactory;
import io.loginstate.state.PartitionStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.common.TopicPartition;

import java.util.List;

/** Plugs the login application into the partition processors. */
@ApplicationScoped
public class LoginStateHandlerFactory implements PartitionStateHandlerFactory {

    @Inject
    LoginStateConfig config;

    @Override
    public List<String> tableNames() {
        return List.of(LoginStateTables.USERS);
    }

    @Override
    public PartitionStateHandler create(TopicPartition partition, PartitionStore store) {
        return new LoginPartitionHandler(store, new LoginEventParser(config.processing().maxValueBytes()),
                config.processing().cacheEntriesPerPartition());
    }
}
