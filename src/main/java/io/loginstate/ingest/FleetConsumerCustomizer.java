package io.loginstate.ingest;

import io.loginstate.config.LoginStateConfig;
import io.smallrye.reactive.messaging.ClientCustomizer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.eclipse.microprofile.config.Config;

/**
 * Makes the input channel's consumer a member of the fleet: the {@link FleetAssignor} with this
 * instance and the {@link FleetDirectory} to fill, and, with static membership, the instance id as
 * its {@code group.instance.id}.
 */
@ApplicationScoped
public class FleetConsumerCustomizer implements ClientCustomizer<Map<String, Object>> {

    static final String CHANNEL = "logins";

    @Inject
    LoginStateConfig config;

    @Inject
    FleetMember self;

    @Inject
    FleetDirectory directory;

    @Override
    public Map<String, Object> customize(String channel, Config channelConfig, Map<String, Object> consumer) {
        if (!CHANNEL.equals(channel)) {
            return consumer;
        }
        consumer.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, FleetAssignor.class.getName());
        consumer.put(FleetAssignor.MEMBER, self);
        consumer.put(FleetAssignor.DIRECTORY, directory);
        if (config.instance().staticMembership()) {
            consumer.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, self.id());
        }
        return consumer;
    }
}
