"""The product and vendor dictionary (`corpus/vendors.yaml`): which names in a text are tools or services,
so that a document naming one the organisation does not use can be caught (drafting and evaluation)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.yamlio import validate_yaml_file

Category = str


class Product(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=2)
    category: Category
    aliases: list[str] = Field(min_length=1)


class VendorFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    products: list[Product] = Field(min_length=1)
    generic_terms: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Vendors:
    products: tuple[Product, ...]
    _known: dict[int, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        aliases = sorted({a for p in self.products for a in p.aliases}, key=len, reverse=True)
        if not aliases:
            return None
        return re.compile(r"(?<![\w-])(" + "|".join(re.escape(a) for a in aliases) + r")(?!\w)")

    @cached_property
    def _by_alias(self) -> dict[str, Product]:
        return {a: p for p in self.products for a in p.aliases}

    def category(self, name: str) -> str:
        """The category of a product, by its name."""
        return self._by_name[name].category

    @cached_property
    def _by_name(self) -> dict[str, Product]:
        return {p.name: p for p in self.products}

    def named_in(self, text: str) -> dict[str, str]:
        """Products named in `text`: product name -> the first alias that named it."""
        found: dict[str, str] = {}
        if self._pattern is None:
            return found
        for match in self._pattern.finditer(text):
            product = self._by_alias[match.group(1)]
            found.setdefault(product.name, match.group(1))
        return found

    def foreign(self, text: str, known_text: str) -> dict[str, str]:
        """Products named in `text` that `known_text` (the organisation's own inputs) never names."""
        key = hash(known_text)
        known = self._known.get(key)
        if known is None:
            known = self._known[key] = frozenset(self.named_in(known_text))
        return {name: alias for name, alias in self.named_in(text).items() if name not in known}


def load_vendors(path: Path) -> Vendors:
    """Read the dictionary; a corpus without one recognises no products."""
    if not path.exists():
        return Vendors(())
    data: VendorFile = validate_yaml_file(path, VendorFile, what="vendor dictionary")
    return Vendors(tuple(data.products))
