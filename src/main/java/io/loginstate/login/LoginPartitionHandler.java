package io.loginstate.login;

import io.loginstate.processing.BatchOutcome;
import io.loginstate.processing.PartitionStateHandler;
import io.loginstate.state.api.EventTimeClock;
import io.loginstate.state.api.KeyedStateBackend;
import io.loginstate.state.api.ListState;
import io.loginstate.state.api.MapState;
import io.loginstate.state.api.TtlConfig;
import io.loginstate.state.api.ValueState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * Applies one partition's login events, one record at a time in offset order, to the user's
 * states: the aggregate, the recent logins and the devices. Each record first moves the
 * partition's event time, so TTL decisions depend only on the input. An event too far in the
 * future is rejected before it can move event time; one already past its TTL is dropped whole,
 * so none of it (counts, first seen) outlives its TTL. An erase command removes the user's states.
 */
final class LoginPartitionHandler implements PartitionStateHandler {

    /** Why a valid event was dropped: it was already past its TTL when it arrived. */
    static final String EXPIRED_ON_ARRIVAL = "EXPIRED_ON_ARRIVAL";

    private static final Logger LOG = Logger.getLogger(LoginPartitionHandler.class);

    private final KeyedStateBackend state;
    private final EventTimeClock time;
    private final LoginEventParser parser;
    private final ValueState<UserLoginState> user;
    private final ListState<RecentLogin> recentLogins;
    private final MapState<Long, Long> devices;
    private final TtlConfig ttl;
    private final int maxDevices;

    LoginPartitionHandler(KeyedStateBackend state, LoginStates states, LoginEventParser parser) {
        this(state, states, parser, LoginApplication.DEFAULT_MAX_DEVICES);
    }

    LoginPartitionHandler(KeyedStateBackend state, LoginStates states, LoginEventParser parser, int maxDevices) {
        this.maxDevices = maxDevices;
        this.state = state;
        this.time = state.time();
        this.parser = parser;
        this.user = state.valueState(states.user);
        this.recentLogins = state.listState(states.recentLogins);
        this.devices = state.mapState(states.devices);
        this.ttl = states.ttl;
    }

    @Override
    public void applyBatch(List<ConsumerRecord<byte[], byte[]>> records, BatchOutcome outcome) {
        for (ConsumerRecord<byte[], byte[]> record : records) {
            LoginInput input;
            try {
                input = parser.parse(record.key(), record.value(), record.timestamp());
            } catch (InvalidEventException e) {
                outcome.reject(record, e.reason().name(), e.getMessage());
                continue;
            }
            if (input instanceof EraseCommand command) {
                erase(record, command);
                continue;
            }
            LoginEvent event = (LoginEvent) input;
            long limit = time.futureLimit(record.timestamp());
            if (event.timestamp() > limit) {
                outcome.reject(
                        record,
                        RejectReason.TIMESTAMP_IN_FUTURE.name(),
                        "timestamp "
                                + Instant.ofEpochMilli(event.timestamp()) + " is later than "
                                + Instant.ofEpochMilli(limit)
                                + ", the wall clock (or the record's own timestamp, if earlier) plus ttl.max-future-skew");
                continue;
            }
            if (time.expiredOnArrival(event.timestamp(), ttl)) {
                // Storing any of it would keep data past its TTL, or bring expired data back.
                outcome.drop(EXPIRED_ON_ARRIVAL);
                continue;
            }
            apply(record.key(), event);
        }
    }

    /**
     * Removes everything stored for the record's user, in offset order with the user's events;
     * event time does not move. The log names the erasure, never the user.
     */
    private void erase(ConsumerRecord<byte[], byte[]> record, EraseCommand command) {
        state.setCurrentKey(record.key());
        boolean found = state.erase(record.key());
        LOG.infof(
                "Erasure %s applied at offset %d of partition %d: %s",
                command.erasureId() == null ? "(without an id)" : command.erasureId(),
                record.offset(),
                record.partition(),
                found ? "the user's state was removed" : "no state was stored for the user");
    }

    /**
     * Before a new device is stored: evicts the devices seen longest ago while the user has
     * {@code maxDevices} or more (more only if the cap was lowered). Reads the user's devices,
     * at most the cap, and only when a device is new.
     */
    private void makeRoomForADevice() {
        Map<Long, Long> known = devices.entries();
        int excess = known.size() - maxDevices + 1;
        if (excess <= 0) {
            return;
        }
        List<Map.Entry<Long, Long>> oldestFirst = new ArrayList<>(known.entrySet());
        oldestFirst.sort(Map.Entry.comparingByValue());
        for (int i = 0; i < excess; i++) {
            devices.remove(oldestFirst.get(i).getKey());
        }
    }

    private void apply(byte[] key, LoginEvent event) {
        time.advance(event.timestamp());
        state.setCurrentKey(key);
        UserLoginState current = user.value();
        boolean known = current != null;
        if (!known) {
            current = new UserLoginState();
        }
        current.apply(event.timestamp(), event.success());
        user.update(current);
        recentLogins.add(new RecentLogin(event.timestamp(), event.success()), LoginStates.RECENT_LOGINS);
        if (event.hasDevice()) {
            long device = event.device();
            Long lastSeen = devices.get(device);
            if (lastSeen == null && known) {
                // A user without a live aggregate has no live device: every event that stores a
                // device also writes the aggregate, under the same TTL, in the same event time.
                makeRoomForADevice();
            }
            if (lastSeen == null || event.timestamp() > lastSeen) {
                devices.put(device, event.timestamp());
            }
        }
    }
}
