"""Error pages that say what happened in plain words: HTML in the layout, JSON under /api/."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = (
        str(exception)
        if exception and str(exception)
        else "Your role does not give you access to this page."
    )
    if _is_api(request):
        return JsonResponse({"detail": message}, status=403)
    return render(request, "403.html", {"message": message}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """A plain page with the request id, so that a report can be matched to the logs.

    Rendered without the site layout or context processors: the error may be in them.
    """
    request_id = getattr(request, "request_id", "")
    if _is_api(request):
        return JsonResponse(
            {"detail": "Something went wrong on our side.", "request_id": request_id}, status=500
        )
    from django.template import loader

    body = loader.get_template("500.html").render({"request_id": request_id})
    return HttpResponse(body, status=500)
