package io.loginstate.ingest;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Configurable;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Kafka's cooperative sticky assignment, plus the fleet's directory: every member sends its id and
 * advertised URL with its subscription, and the leader hands every member, with its own
 * partitions, the owner of every partition (Kafka Streams does the same to find where state
 * lives). So each instance learns the owners at each rebalance, without a query to Kafka.
 * Configured through the consumer's properties: {@link #MEMBER} (this instance) and
 * {@link #DIRECTORY} (the {@link FleetDirectory} to update).
 */
public final class FleetAssignor extends CooperativeStickyAssignor implements Configurable {

    public static final String NAME = "login-state-cooperative-sticky";
    public static final String MEMBER = "login-state.fleet.member";
    public static final String DIRECTORY = "login-state.fleet.directory";
    private static final byte VERSION = 1;
    private static final Logger LOG = Logger.getLogger(FleetAssignor.class);

    private FleetMember self;
    private FleetDirectory directory;

    @Override
    public void configure(Map<String, ?> configs) {
        self = (FleetMember) configs.get(MEMBER);
        directory = (FleetDirectory) configs.get(DIRECTORY);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The sticky assignor's own data first, then this member. */
    @Override
    public ByteBuffer subscriptionUserData(Set<String> topics) {
        ByteBuffer sticky = super.subscriptionUserData(topics);
        int stickySize = sticky == null ? -1 : sticky.remaining();
        ByteBuffer data =
                ByteBuffer.allocate(1 + 4 + Math.max(0, stickySize) + (self == null ? 1 : 1 + self.encodedSize()));
        data.put(VERSION).putInt(stickySize);
        if (sticky != null) {
            data.put(sticky.duplicate());
        }
        data.put((byte) (self == null ? 0 : 1));
        if (self != null) {
            self.writeTo(data);
        }
        return data.flip();
    }

    @Override
    public GroupAssignment assign(Cluster metadata, GroupSubscription groupSubscription) {
        Map<String, Subscription> sticky = new HashMap<>();
        Map<String, FleetMember> members = new HashMap<>();
        groupSubscription.groupSubscription().forEach((memberId, subscription) -> {
            ByteBuffer data = subscription.userData() == null
                    ? null
                    : subscription.userData().duplicate();
            ByteBuffer stickyData = null;
            if (data != null && data.remaining() > 5 && data.get() == VERSION) {
                int size = data.getInt();
                if (size >= 0) {
                    stickyData = data.slice(data.position(), size);
                    data.position(data.position() + size);
                }
                if (data.get() == 1) {
                    members.put(memberId, FleetMember.readFrom(data));
                }
            }
            Subscription stripped = new Subscription(
                    subscription.topics(),
                    stickyData,
                    subscription.ownedPartitions(),
                    subscription.generationId().orElse(-1),
                    subscription.rackId());
            stripped.setGroupInstanceId(subscription.groupInstanceId());
            sticky.put(memberId, stripped);
        });
        warnOfSharedIds(members);
        GroupAssignment assignment = super.assign(metadata, new GroupSubscription(sticky));
        Map<TopicPartition, FleetMember> owners = new HashMap<>();
        assignment.groupAssignment().forEach((memberId, memberAssignment) -> {
            FleetMember member = members.get(memberId);
            if (member != null) {
                memberAssignment.partitions().forEach(partition -> owners.put(partition, member));
            }
        });
        ByteBuffer directoryData = encode(owners);
        Map<String, Assignment> decorated = new HashMap<>();
        assignment
                .groupAssignment()
                .forEach((memberId, memberAssignment) -> decorated.put(
                        memberId, new Assignment(memberAssignment.partitions(), directoryData.duplicate())));
        return new GroupAssignment(decorated);
    }

    /** Instances with one id still work (they differ by URL), but logs and the status page confuse them. */
    private static void warnOfSharedIds(Map<String, FleetMember> members) {
        Map<String, Integer> byId = new HashMap<>();
        members.values().forEach(member -> byId.merge(member.id(), 1, Integer::sum));
        byId.forEach((id, count) -> {
            if (count > 1) {
                LOG.warnf(
                        "%d instances of the group share the instance id '%s' (the host name when"
                                + " login-state.instance.id is not set); give each its own id",
                        count, id);
            }
        });
    }

    @Override
    public void onAssignment(Assignment assignment, ConsumerGroupMetadata metadata) {
        super.onAssignment(assignment, metadata);
        if (directory != null && assignment.userData() != null) {
            directory.update(
                    metadata.generationId(), decode(assignment.userData().duplicate()));
        }
    }

    /** {@code [version][count]{[topic][partition][member]}}; each member written in full (few, small). */
    static ByteBuffer encode(Map<TopicPartition, FleetMember> owners) {
        int size = 1 + 4;
        for (Map.Entry<TopicPartition, FleetMember> owner : owners.entrySet()) {
            size += 8 + owner.getKey().topic().length() * 3 + owner.getValue().encodedSize();
        }
        ByteBuffer data = ByteBuffer.allocate(size);
        data.put(VERSION).putInt(owners.size());
        for (Map.Entry<TopicPartition, FleetMember> owner : owners.entrySet()) {
            byte[] topic = owner.getKey().topic().getBytes(StandardCharsets.UTF_8);
            data.putInt(topic.length).put(topic).putInt(owner.getKey().partition());
            owner.getValue().writeTo(data);
        }
        return data.flip();
    }

    /** Partition number to owner; a topic name is kept only for the check that there is one topic. */
    static Map<Integer, FleetMember> decode(ByteBuffer data) {
        Map<Integer, FleetMember> owners = new HashMap<>();
        if (data.remaining() < 5 || data.get() != VERSION) {
            return owners;
        }
        int count = data.getInt();
        for (int i = 0; i < count; i++) {
            byte[] topic = new byte[data.getInt()];
            data.get(topic);
            int partition = data.getInt();
            owners.put(partition, FleetMember.readFrom(data));
        }
        return owners;
    }
}
