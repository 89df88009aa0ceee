"""The JSON API under /api/v1, described by an OpenAPI 3 document generated from the views.

flask-smorest builds `/api/v1/openapi.json` from the marshmallow schemas the views
declare, so the description cannot drift from the code that serves it.
"""

from __future__ import annotations

import marshmallow as ma
from flask import Flask
from flask_smorest import Api as SmorestApi
from werkzeug.exceptions import HTTPException

from festa.errors import handle_http_error
from festa.extensions import csrf


class ErrorDetail(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "stable snake_case code"})
    message = ma.fields.String(required=True)
    fields = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()), required=False
    )


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorDetail, required=True)


class Api(SmorestApi):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        # festa.errors handles every HTTPException, pages and API alike, in one format.
        pass

    def handle_http_exception(self, error: HTTPException):  # pragma: no cover - unused
        return handle_http_error(error)


# apispec writes a nullable nested object as anyOf [any object, the schema] for OpenAPI 3.0,
# which lets every object through; 3.0's own idiom is allOf [the schema] + nullable.
ANY_NULLABLE_OBJECT = {"type": "object", "nullable": True}


def nullable_nested(self, field: ma.fields.Field, ret: dict, **kwargs) -> dict:
    """An apispec attribute function: a nullable Nested field as allOf + nullable."""
    branches = ret.get("anyOf") or []
    if not field.allow_none or ANY_NULLABLE_OBJECT not in branches:
        return {}
    del ret["anyOf"]
    return {"allOf": [b for b in branches if b != ANY_NULLABLE_OBJECT], "nullable": True}


def register_api(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "Festa API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = Api(
        app,
        spec_kwargs={
            "info": {"description": "Festa: programme, registration, tickets and check-in."},
            "components": {
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}
            },
        },
    )
    api.ma_plugin.converter.add_attribute_function(nullable_nested)
    # Here, not at the top: each of these modules imports ErrorSchema from this package.
    from festa.api import badges, checkin, events, feeds, registrations, tickets

    for module in (events, feeds, registrations, tickets, checkin, badges):
        csrf.exempt(module.blp)
        api.register_blueprint(module.blp, url_prefix="/api/v1")
    app.extensions["festa_api"] = api
