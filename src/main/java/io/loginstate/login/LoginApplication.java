package io.loginstate.login;

import io.loginstate.processing.PartitionStateHandler;
import io.loginstate.processing.PartitionStateHandlerFactory;
import io.loginstate.state.api.KeyedStateBackend;
import io.loginstate.state.api.StateDescriptor;
import io.loginstate.state.api.TtlConfig;
import java.util.List;
import org.apache.kafka.common.TopicPartition;

/** The login application: its states, a handler per partition, and the reader of a user's state. */
public final class LoginApplication implements PartitionStateHandlerFactory {

    /** Devices kept per user unless configured otherwise. */
    public static final int DEFAULT_MAX_DEVICES = 100;

    private final LoginStates states;
    private final int maxValueBytes;
    private final int maxDevices;
    private final UserStateReader reader;

    /** @param maxValueBytes larger record values are dead-lettered as TOO_LARGE */
    public LoginApplication(TtlConfig ttl, int maxValueBytes) {
        this(ttl, maxValueBytes, DEFAULT_MAX_DEVICES);
    }

    /** @param maxDevices devices kept per user: a new one beyond it evicts the one seen longest ago */
    public LoginApplication(TtlConfig ttl, int maxValueBytes, int maxDevices) {
        if (maxDevices < 1) {
            throw new IllegalArgumentException(
                    "login-state.ttl.max-devices-per-user must be at least 1: " + maxDevices);
        }
        this.states = new LoginStates(ttl);
        this.maxValueBytes = maxValueBytes;
        this.maxDevices = maxDevices;
        this.reader = new UserStateReader(states, maxDevices);
    }

    public LoginStates states() {
        return states;
    }

    public UserStateReader reader() {
        return reader;
    }

    @Override
    public List<StateDescriptor<?>> stateDescriptors() {
        return states.all();
    }

    @Override
    public PartitionStateHandler create(TopicPartition partition, KeyedStateBackend state) {
        return new LoginPartitionHandler(state, states, new LoginEventParser(maxValueBytes), maxDevices);
    }
}
