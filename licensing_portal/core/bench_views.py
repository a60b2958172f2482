from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def hello(request: HttpRequest) -> HttpResponse:
    """The benchmark's ceiling: the full middleware stack and a session, no page work (bench/run)."""
    return HttpResponse(b"hello", content_type="text/plain")
