"""Access cases of the service requests (ADM-2; format: tests/access_matrix.py).

A service request belongs to its requester, not to a licensing ID: only the "administrator" persona (who
opened it in this world) reaches it; every other persona gets 404.
"""

from tests.access_matrix import Case, Kind

OWNER = frozenset({"administrator"})


def extend_world(world: dict) -> None:
    from licensing_portal.support.services import service_request_open

    world["service_request"] = service_request_open(
        requester=world["users"]["administrator"], topic="other", message="Help"
    )


def _sr(w):
    return {"pk": w["service_request"].pk}


CASES = [
    Case("support:list", Kind.LOGIN),
    Case("support:create", Kind.LOGIN),
    Case("support:detail", Kind.TENANT, kwargs=_sr, allowed=OWNER),
    Case("support:message", Kind.TENANT, method="post", kwargs=_sr, allowed=OWNER, data={"body": "more"}),
]
