package io.loginstate.app;

import io.loginstate.config.LoginStateConfig;
import io.loginstate.ingest.FleetMember;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Optional;

/** Who this instance is in the fleet: its id and its advertised URL, from the settings or the host. */
final class InstanceIdentity {

    private InstanceIdentity() {}

    /**
     * @param environment the process environment ({@code HOSTNAME} is the pod name on Kubernetes)
     */
    static FleetMember resolve(LoginStateConfig.Instance config, int httpPort, Map<String, String> environment) {
        String host = Optional.ofNullable(environment.get("HOSTNAME"))
                .filter(name -> !name.isBlank())
                .orElseGet(InstanceIdentity::hostName);
        String id = config.id().filter(value -> !value.isBlank()).orElse(host);
        URI url = config.advertisedUrl().orElse(URI.create("http://" + host + ":" + httpPort));
        return new FleetMember(id, url);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
