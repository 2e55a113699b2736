package io.loginstate.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.Set;

/**
 * Reads the caller's credentials from the {@code Authorization} header ({@code Basic} or
 * {@code Bearer}) and has {@link ApiIdentityProvider} check them. With {@code login-state.api.auth=none}
 * every caller is an identity holding every role, whatever it presents. Authentication runs only
 * when an endpoint needs an identity (not proactively), so health and metrics never ask for one.
 */
@ApplicationScoped
public class ApiAuthenticationMechanism implements HttpAuthenticationMechanism {

    /** The challenge of a 401: browsers ask for a name and secret. */
    public static final String CHALLENGE = "Basic realm=\"login-state\"";

    private static final SecurityIdentity OPEN = QuarkusSecurityIdentity.builder()
            .setPrincipal(new QuarkusPrincipal("anonymous"))
            .addRoles(ApiRoles.ALL)
            .build();

    @Inject
    Instance<ApiAccess> access;

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        if (access.get().open()) {
            return Uni.createFrom().item(OPEN);
        }
        String header = context.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null) {
            return Uni.createFrom().nullItem();
        }
        ApiCredentialRequest request = ApiCredentialRequest.parse(header);
        if (request == null) {
            return Uni.createFrom()
                    .failure(new AuthenticationFailedException("the Authorization header is neither Basic nor Bearer"));
        }
        return identities.authenticate(HttpSecurityUtils.setRoutingContextAttribute(request, context));
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", CHALLENGE));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(ApiCredentialRequest.class);
    }
}
