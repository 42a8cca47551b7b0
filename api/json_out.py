"""A route's response model written straight to JSON by pydantic.

A sync route that returns a model makes FastAPI validate it again on a thread-pool trip and
encode it twice (to plain data, then to text); a `ModelJSON` goes out as it is. The route still
declares `response_model` for its OpenAPI schema.
"""

from __future__ import annotations

from pydantic import BaseModel
from starlette.responses import Response


class ModelJSON(Response):
    """`model` as compact UTF-8 JSON; `exclude_none` leaves None fields out (as `response_model_exclude_none`)."""

    media_type = "application/json"

    def __init__(self, model: BaseModel, status_code: int = 200, *, exclude_none: bool = True) -> None:
        super().__init__(model.model_dump_json(exclude_none=exclude_none), status_code)
