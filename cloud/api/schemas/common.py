"""Shapes shared by many responses."""

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a listing: the number of matches and the items on this page."""

    total: int = Field(description="matches in all pages")
    items: list[T]
