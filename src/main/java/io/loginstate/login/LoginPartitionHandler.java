package io.loginstate.login;

import io.loginstate.processing.PartitionStateHandler;
import io.loginstate.processing.Rejection;
import io.loginstate.state.KeyedStateBackend;
import io.loginstate.state.api.ListState;
import io.loginstate.state.api.MapState;
import io.loginstate.state.api.ValueState;
import io.loginstate.state.ttl.TtlTimeService;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.List;

/**
 * Applies one partition's login events, one record at a time in offset order, to the user's
 * states: the aggregate, the recent logins and the devices. Each record first moves the
 * partition's event time, so TTL decisions depend only on the input.
 */
final class LoginPartitionHandler implements PartitionStateHandler {

    private final KeyedStateBackend state;
    private final TtlTimeService time;
    private final LoginEventParser parser;
    private final ValueState<UserLoginState> user;
    private final ListState<RecentLogin> recentLogins;
    private final MapState<Long, Long> devices;

    LoginPartitionHandler(KeyedStateBackend state, LoginStates states, LoginEventParser parser) {
        this.state = state;
        this.time = state.time();
        this.parser = parser;
        this.user = state.valueState(states.user);
        this.recentLogins = state.listState(states.recentLogins);
        this.devices = state.mapState(states.devices);
    }

    @Override
    public void applyBatch(List<ConsumerRecord<byte[], byte[]>> records, List<Rejection> rejections) {
        for (ConsumerRecord<byte[], byte[]> record : records) {
            LoginEvent event;
            try {
                event = parser.parse(record.key(), record.value(), record.timestamp());
            } catch (InvalidEventException e) {
                rejections.add(new Rejection(record, e.reason().name(), e.getMessage()));
                continue;
            }
            apply(record.key(), event);
        }
    }

    private void apply(byte[] key, LoginEvent event) {
        time.advance(event.timestamp());
        state.setCurrentKey(key);
        UserLoginState current = user.value();
        if (current == null) {
            current = new UserLoginState();
        }
        current.apply(event.timestamp(), event.success());
        user.update(current);
        recentLogins.add(new RecentLogin(event.timestamp(), event.success()), LoginStates.RECENT_LOGINS);
        if (event.userAgent() != null) {
            long device = UserAgents.hash(event.userAgent());
            Long lastSeen = devices.get(device);
            if (lastSeen == null || event.timestamp() > lastSeen) {
                devices.put(device, event.timestamp());
            }
        }
    }

    @Override
    public void discardUncommitted() {
        // No state outside the keyed state: an aborted batch leaves nothing behind.
    }
}
