"""Dutch error pages (or JSON for the page's polls) for the console's HTTP errors."""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException


def wants_json() -> bool:
    """Whether the request comes from the browser code (the JSON polls)."""
    return request.path.startswith("/api/")


def http_error(error: HTTPException) -> tuple[Any, int]:
    """Answer an HTTP error with a Dutch page (or JSON for the polls)."""
    status = error.code or 500
    messages = {
        403: "Je hebt geen toegang tot deze pagina of zaak.",
        404: "Deze pagina of zaak bestaat niet.",
        405: "Deze handeling kan zo niet.",
        413: "Wat je verstuurde is te groot.",
        429: "Te veel verzoeken. Wacht even en probeer het opnieuw.",
    }
    message = messages.get(status, error.description or "Er ging iets mis.")
    if wants_json():
        return jsonify({"error": message}), status
    return render_template("error.html", status=status, message=message), status
