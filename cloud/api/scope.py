"""What part of the data a principal may see."""

from cloud.api.auth import Principal
from cloud.registry.service import RegistryService


def sites_in_scope(registry: RegistryService, principal: Principal) -> frozenset[str] | None:
    """Site ids the principal may see; None = all (admin and unrestricted roles)."""
    allowed = principal.sites
    if principal.regions is not None:
        in_regions = frozenset(
            s["id"] for s in registry.list_sites() if s["region"] in principal.regions
        )
        allowed = in_regions if allowed is None else allowed & in_regions
    return allowed
