"""Demo data for the permissions app (called by seed_demo)."""

from permissions.models import Role
from permissions.services import permission_request_submit


def seed(world: dict) -> None:
    """A pending request from newcomer@example.com on Contoso's enterprise enrollment E2000001: admin@contoso
    (inherited administrator through the MBSA) sees it under Permission Requests."""
    permission_request_submit(
        requester=world["users"]["newcomer"],
        program="enterprise",
        number="E2000001",
        roles=[Role.LICENSING_INFO, Role.DOWNLOAD],
        comment="I run the Contoso deployment project.",
    )
