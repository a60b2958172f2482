"""An attempt that ends in a server error never counts towards a limit (OPS-5).

A limit is consumed before the work it guards (allauth counts a sign-in as failed before it checks the password,
so that a lockout also holds against concurrent guesses). If the request then fails on our side, a database or
cache outage, the visitor's attempt was never judged, and counting it locked people out for minutes after the
outage (issue 18; behind a proxy the address is everyone's). So every limit consumed during a request registers
how to undo it, and `ServerErrorRefundMiddleware` undoes them all when the response is a 5xx.

allauth's limits (sign-in failures, signup, password reset, email and MFA codes) all go through one function,
`allauth.core.internal.ratelimit.consume`; the middleware wraps it once per process to register each usage.
Our own limits call `refund_on_server_error(undo)` after they count an attempt (the request being served is a
context variable, so services need no request). A counter kept in the
database inside the request's transaction needs no undo when the error rolls that transaction back; one that is
committed before the failure (OPEN-5's attempts are) registers its undo here.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from contextvars import ContextVar

logger = logging.getLogger(__name__)

# The undos registered by the request being served; None outside a request (a task, a command): nothing to refund.
_refunds: ContextVar[list[Callable[[], object]] | None] = ContextVar("rate_limit_refunds", default=None)


def refund_on_server_error(undo: Callable[[], object]) -> None:
    """Run `undo` if the request being served ends in a server error (5xx or an exception)."""
    refunds = _refunds.get()
    if refunds is not None:
        refunds.append(undo)


def _refund_all() -> None:
    refunds = _refunds.get() or []
    while refunds:
        undo = refunds.pop()
        try:
            undo()
        except Exception:  # a failed refund only leaves the limit stricter than it should be
            logger.warning("could not refund a rate-limit attempt after a server error", exc_info=True)


def _refunding(consume):
    @functools.wraps(consume)
    def wrapper(*args, **kwargs):
        usage = consume(*args, **kwargs)
        if usage:
            refund_on_server_error(usage.rollback)
        return usage

    wrapper._lp_refunding = True
    return wrapper


def install_allauth_refunds() -> None:
    """Make every allauth rate-limit usage refundable (idempotent). allauth looks the function up on its module
    at call time (`ratelimit.consume(...)`), so replacing the module attribute covers every caller."""
    from allauth.core.internal import ratelimit

    if not getattr(ratelimit.consume, "_lp_refunding", False):
        ratelimit.consume = _refunding(ratelimit.consume)


class ServerErrorRefundMiddleware:
    """Outermost (after SecurityMiddleware): sees the final status, including 500s raised by inner middleware."""

    def __init__(self, get_response):
        self.get_response = get_response
        install_allauth_refunds()

    def __call__(self, request):
        token = _refunds.set([])
        try:
            try:
                response = self.get_response(request)
            except BaseException:
                _refund_all()
                raise
            if response.status_code >= 500:
                _refund_all()
            return response
        finally:
            _refunds.reset(token)
