package io.loginstate.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.Optional;

/** Checks presented credentials against the configured ones; the identity carries their roles. */
@ApplicationScoped
public class ApiIdentityProvider implements IdentityProvider<ApiCredentialRequest> {

    @Inject
    Instance<ApiAccess> access;

    @Override
    public Class<ApiCredentialRequest> getRequestType() {
        return ApiCredentialRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ApiCredentialRequest request, AuthenticationRequestContext context) {
        ApiCredentials credentials = access.get().credentials();
        Optional<ApiCredentials.Credential> found = request.name() == null
                ? credentials.bearer(request.secret())
                : credentials.basic(request.name(), request.secret());
        if (found.isEmpty()) {
            return Uni.createFrom().failure(new AuthenticationFailedException("the credentials were not accepted"));
        }
        return Uni.createFrom()
                .item(QuarkusSecurityIdentity.builder()
                        .setPrincipal(new QuarkusPrincipal(found.get().name()))
                        .addRoles(found.get().roles())
                        .build());
    }
}
