"""Who may see the operational detail (health detail, `/metrics`): the metrics token
(`AGRISAFE_METRICS_TOKEN`) or an admin token; without either, 401."""

import hmac

from fastapi import HTTPException, Request

from cloud.api.auth import Authenticator, Role, bearer_token


def require_observer(request: Request) -> None:
    """FastAPI dependency: the metrics bearer token or an admin token, else 401."""
    given = bearer_token(request)
    if given:
        required = request.app.state.runtime.settings.metrics_token
        if required is not None and hmac.compare_digest(
            given.encode(), required.get_secret_value().encode()
        ):
            return
        auth: Authenticator = request.app.state.authenticator
        principal = auth.authenticate(given)
        if principal is not None and principal.role is Role.ADMIN and not principal.bootstrap:
            return
    raise HTTPException(
        401, "needs the metrics token or an admin token", headers={"WWW-Authenticate": "Bearer"}
    )
