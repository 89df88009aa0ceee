"""Friendly error pages in both languages, and the API's one error format."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from festa.core.inputs import InputError, load_json
from festa.extensions import db


class FestaError(Exception):
    """A domain rule said no. `code` is stable (snake_case): the API returns it as
    `error.code` and pages map it to a translated message. `fields` names the inputs at fault."""

    status = 400

    def __init__(self, code: str, message: str, *, status: int | None = None,
                 fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        if status is not None:
            self.status = status


def handle_festa_error(error: FestaError):
    """API callers get the contract's JSON; pages get the same message on the error page."""
    db.session.rollback()
    if wants_json():
        return error_body(error.code, error.message, error.fields or None), error.status
    title, _text = page_message(error.status)
    return render_template(
        "errors/error.html", status=error.status, title=title, text=error.message
    ), error.status


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    """The contract's error shape: {"error": {"code", "message", "fields"?}}."""
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def page_message(status: int) -> tuple[str, str]:
    messages = {
        400: (_("Bad request"), _("The request could not be understood. Please try again.")),
        403: (_("Access denied"), _("You do not have permission to open this page.")),
        404: (_("Page not found"), _("The page you asked for does not exist or has moved.")),
        405: (_("Not allowed"), _("This page cannot be used that way.")),
        413: (_("Too large"), _("What you sent is larger than we accept.")),
        429: (_("Too many requests"), _("Please wait a moment and try again.")),
        500: (_("Something went wrong"), _("An unexpected error happened. Nothing you sent "
                                          "was half-saved; please try again in a moment.")),
        503: (_("Temporarily unavailable"), _("Please try again in a moment.")),
    }
    return messages.get(status, (_("Error"), _("Something went wrong.")))


def handle_http_error(error: HTTPException):
    status = error.code or 500
    if status >= 500:
        db.session.rollback()
    if wants_json():
        code = HTTP_CODES.get(status, "error")
        message = error.description if status < 500 else "Internal server error"
        fields = validation_fields(getattr(error, "data", None))
        if fields:
            message = "Some fields are not valid: " + ", ".join(sorted(fields))
        return error_body(code, message, fields), status, _retry_headers(error)
    title, text = page_message(status)
    return render_template("errors/error.html", status=status, title=title, text=text), status, \
        _retry_headers(error)


def handle_unexpected(error: Exception):
    db.session.rollback()
    current_app.logger.exception("unhandled error")
    if wants_json():
        return error_body("internal_error", "Internal server error"), 500
    title, text = page_message(500)
    return render_template("errors/error.html", status=500, title=title, text=text), 500


def validation_fields(data: dict | None) -> dict[str, list[str]]:
    """Flatten webargs' {"json": {"field": [...]}} into {"field": [...]} (nested: "a.b")."""
    if not data or "messages" not in data:
        return {}
    fields: dict[str, list[str]] = {}

    def walk(prefix: str, value: object) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            fields.setdefault(prefix or "body", []).extend(value)
        else:
            fields.setdefault(prefix or "body", []).append(str(value))

    for location_errors in data["messages"].values():
        walk("", location_errors)
    return fields


def _retry_headers(error: HTTPException) -> dict:
    headers = {}
    response = getattr(error, "response", None)
    if response is not None and "Retry-After" in response.headers:
        headers["Retry-After"] = response.headers["Retry-After"]
    if getattr(error, "valid_methods", None):  # 405 names the methods that work (RFC 9110)
        headers["Allow"] = ", ".join(error.valid_methods)
    return headers


def check_json_body():
    """Refuse a JSON body that could hurt before any view parses it: too deep (a
    RecursionError), numbers of thousands of digits, lone surrogates (which no database
    stores). 400, or 422 naming the field holding the bad string."""
    if not request.is_json or not request.content_length:
        return None
    try:
        load_json(request.get_data(cache=True))
    except InputError as error:
        path = getattr(error, "path", None)
        if path:
            return error_body("validation_error", "Some fields are not valid: " + path,
                              {path: [error.message]}), 422
        return error_body("bad_request", error.message), 400
    return None


def init_app(app: Flask) -> None:
    app.before_request(check_json_body)
    app.register_error_handler(FestaError, handle_festa_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
