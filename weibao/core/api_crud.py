"""API endpoints over a model under the visibility rule, and the one pagination of every list.

Every list answers ``{"items": [...], "next_cursor": "..."}``: up to ``limit`` rows (50 unless
asked, at most 200) and the cursor of the next page, null on the last one (see
:mod:`weibao.core.pagination`). A list endpoint returns its queryset under ``@paginated``::

    @router.get("/things", response=responses(_200=list[ThingOut]))
    @paginated
    def thing_list(request):
        return Thing.objects.visible_to(request.user)

:class:`ModelRoutes` writes the plain endpoints of one model: the list of what the user may see,
the detail (404 for another tenant's id, as for an id that does not exist), and create, update
and delete, each handing the validated body to a service function it is given: it never writes.
An endpoint that does something particular is written by hand, with :meth:`ModelRoutes.get` for
its lookup and ``@paginated`` for its list.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import PaginationBase, paginate

from weibao.core.api import Id, get_visible, responses
from weibao.core.pagination import DEFAULT_LIMIT, MAX_CURSOR_LENGTH, MAX_LIMIT, cursor_page


class PageIn(Schema):
    """Which page of a list: the cursor the previous page gave, and how many rows."""

    cursor: str | None = Field(
        None,
        max_length=MAX_CURSOR_LENGTH,
        pattern=r"^[A-Za-z0-9_=-]*$",
        description="上一页返回的 next_cursor；省略则从第一条开始",
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"每页条数（1–{MAX_LIMIT}）")


class CursorPagination(PaginationBase):
    """ninja's pagination hook for :func:`~weibao.core.pagination.cursor_page`."""

    Input = PageIn

    class Output(Schema):
        items: list[Any]
        next_cursor: str | None = Field(..., description="下一页的游标；已是最后一页时为 null")

    items_attribute = "items"

    def paginate_queryset(self, queryset: QuerySet, pagination: PageIn, request: Any, **params: Any) -> Any:
        return page(queryset, pagination)


def page(queryset: QuerySet, pagination: PageIn) -> dict[str, Any]:
    """One page of ``queryset`` as a list answers it (for a list that adds fields of its own)."""
    items, next_cursor = cursor_page(queryset, cursor=pagination.cursor, limit=pagination.limit)
    return {"items": items, "next_cursor": next_cursor}


#: ``@paginated`` under ``@router.get(..., response=responses(_200=list[Out]))``: the view returns
#: a queryset, the client gets a page of it.
paginated = paginate(CursorPagination)

Guard = Callable[[Any], None]
Handler = Callable[..., Any]


class ModelRoutes:
    """The plain endpoints of one model at ``path`` and ``path/{id}``.

    ``queryset`` is read through ``visible_to(user)``; ``lookup`` is the field the id in the path
    names (the primary key unless said otherwise); ``guard(user)``, if given, runs before every
    endpoint (e.g. "only admins"), and raises ``PermissionDenied`` to refuse.
    """

    def __init__(
        self,
        router: Router,
        path: str,
        queryset: QuerySet,
        out: type[Schema],
        *,
        id: str,
        lookup: str = "pk",
        guard: Guard | None = None,
    ) -> None:
        self.router, self.path, self.queryset, self.out = router, path, queryset, out
        self.id, self.lookup, self.guard = id, lookup, guard
        self.item_path = f"{path}/{{{id}}}"
        self._key_type: Any = Id if lookup == "pk" else str
        self._name = queryset.model._meta.model_name

    def get(self, request: Any, key: Any) -> Any:
        """The row ``key`` names if the user may see it; else 404, for another tenant's row as for
        one that does not exist."""
        self._guard(request)
        return get_visible(self.queryset, request.user, **{self.lookup: key})

    def visible(self, request: Any) -> QuerySet:
        """Every row the user may see."""
        self._guard(request)
        return self.queryset.visible_to(request.user)

    # --- the endpoints ------------------------------------------------------------------------

    def list(self, summary: str, *, filters: type[FilterSchema] | None = None) -> None:
        """``GET path``: a page of the visible rows, filtered by ``filters`` (query parameters)."""

        def view(request: Any, filters: FilterSchema | None = None) -> QuerySet:
            rows = self.visible(request)
            return filters.filter(rows) if filters is not None else rows

        params = [] if filters is None else [_param("filters", Query[filters])]  # type: ignore[valid-type]
        self._add(
            "GET",
            self.path,
            paginated(_view(view, f"{self._name}_list", params)),
            list[self.out],
            200,
            summary,
        )

    def detail(self, summary: str) -> None:
        """``GET path/{id}``."""

        def view(request: Any, **key: Any) -> Any:
            return self.get(request, key[self.id])

        self._add(
            "GET", self.item_path, _view(view, f"{self._name}_detail", [self._key()]), self.out, 200, summary
        )

    def create(self, payload: type[Schema], summary: str) -> Callable[[Handler], Handler]:
        """``POST path`` → 201: ``handler(request, payload)`` calls the service and returns the row."""

        def register(handler: Handler) -> Handler:
            def view(request: Any, payload: Schema) -> Any:
                self._guard(request)
                return Status(201, handler(request, payload))

            params = [_param("payload", payload)]
            self._add(
                "POST", self.path, _view(view, handler.__name__, params, handler), self.out, 201, summary
            )
            return handler

        return register

    def update(self, payload: type[Schema], summary: str) -> Callable[[Handler], Handler]:
        """``PATCH path/{id}`` → 200: ``handler(request, row, payload)`` calls the service and
        returns the row."""

        def register(handler: Handler) -> Handler:
            def view(request: Any, payload: Schema, **key: Any) -> Any:
                return handler(request, self.get(request, key[self.id]), payload)

            params = [self._key(), _param("payload", payload)]
            self._add(
                "PATCH",
                self.item_path,
                _view(view, handler.__name__, params, handler),
                self.out,
                200,
                summary,
            )
            return handler

        return register

    def delete(self, summary: str) -> Callable[[Handler], Handler]:
        """``DELETE path/{id}`` → 204: ``handler(request, row)`` calls the service."""

        def register(handler: Handler) -> Handler:
            def view(request: Any, **key: Any) -> Any:
                handler(request, self.get(request, key[self.id]))
                return Status(204, None)

            self._add(
                "DELETE",
                self.item_path,
                _view(view, handler.__name__, [self._key()], handler),
                None,
                204,
                summary,
            )
            return handler

        return register

    # --- plumbing -----------------------------------------------------------------------------

    def _guard(self, request: Any) -> None:
        if self.guard is not None:
            self.guard(request.user)

    def _key(self) -> inspect.Parameter:
        return _param(self.id, self._key_type)

    def _add(self, method: str, path: str, view: Handler, schema: Any, status: int, summary: str) -> None:
        view.__module__ = self.out.__module__
        self.router.add_api_operation(
            path, [method], view, response=responses(**{f"_{status}": schema}), summary=summary
        )


def _param(name: str, annotation: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation)


def _view(
    view: Handler, name: str, params: list[inspect.Parameter], handler: Handler | None = None
) -> Handler:
    """``view`` with the signature ninja reads its parameters from, and the name (and docstring)
    the OpenAPI operation is known by."""
    request = inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    view.__signature__ = inspect.Signature([request, *params])  # type: ignore[attr-defined]
    view.__name__ = view.__qualname__ = name
    view.__doc__ = handler.__doc__ if handler is not None else None
    return view
