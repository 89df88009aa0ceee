"""Optional pagination for list endpoints, without changing the contract's array bodies.

Lists answer with every item unless the caller asks for a page (`?page=2&per_page=50`).
Either way `X-Total-Count` says how many items there are; a paged answer also carries an
RFC 8288 `Link` header with `first`, `prev`, `next` and `last`. Usage on a view:

    @blp.get("/things")
    @paginated(blp)
    @blp.response(200, ThingSchema(many=True), headers=PAGE_HEADERS)
    def things(page, per_page):
        return page_of(all_things(), page, per_page)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import urlencode

import marshmallow as ma
from flask import current_app, request

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200

PAGE_HEADERS = {
    "X-Total-Count": {"description": "how many items the whole list has",
                      "schema": {"type": "integer"}},
    "Link": {"description": "RFC 8288 links to the first, prev, next and last page "
                            "(only when a page was asked for)", "schema": {"type": "string"}},
}


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1),
                             metadata={"description": "page number (1 is the first); "
                                                      "without it, the whole list"})
    per_page = ma.fields.Integer(load_default=None,
                                 validate=ma.validate.Range(min=1, max=MAX_PER_PAGE),
                                 metadata={"description": f"items per page (default "
                                                          f"{DEFAULT_PER_PAGE})"})


def paginated(blp) -> Callable:
    """Decorator: accept `page` and `per_page` (query), passed to the view as keywords."""
    return blp.arguments(PageArgs, location="query", as_kwargs=True)


def _link(page: int, per_page: int, rel: str) -> str:
    args = {k: v for k, v in request.args.items() if k not in ("page", "per_page")}
    args.update(page=page, per_page=per_page)
    base = current_app.config["FESTA_BASE_URL"] + request.path
    return f'<{base}?{urlencode(args)}>; rel="{rel}"'


def page_of(items: Sequence, page: int | None, per_page: int | None) -> tuple[list, dict]:
    """(the items of the page, headers) for a view to return; all items without `page`."""
    total = len(items)
    headers = {"X-Total-Count": str(total)}
    if page is None and per_page is None:
        return list(items), headers
    page, per_page = page or 1, per_page or DEFAULT_PER_PAGE
    last = max((total + per_page - 1) // per_page, 1)
    links = [_link(1, per_page, "first"), _link(last, per_page, "last")]
    if page > 1:
        links.append(_link(min(page - 1, last), per_page, "prev"))
    if page < last:
        links.append(_link(page + 1, per_page, "next"))
    headers["Link"] = ", ".join(links)
    start = (page - 1) * per_page
    return list(items[start:start + per_page]), headers
