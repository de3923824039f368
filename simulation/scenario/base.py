"""Building blocks of the scenario schema: documented fields, strict sections, per-region values.

Every section derives from :class:`Section`, so each field any section declares, now or
later, gets the same checks: unknown keys are errors, every float is finite (no ``.nan``
or ``.inf``), and a boolean is never read as a number (``households: true`` is not 1).
"""

from __future__ import annotations

import math
import re
import types
import typing
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

# the fixed choices of a scenario: a Literal type gives the JSON schema an enum and pydantic a one-line error
RegionName = Literal["plain", "hill", "mountain"]
GroupName = Literal["ex_poor", "fringe", "general"]
CropName = Literal["grain", "cash_crop", "livestock"]
REGIONS: tuple[str, ...] = get_args(RegionName)
GROUPS: tuple[str, ...] = get_args(GroupName)
CROPS: tuple[str, ...] = get_args(CropName)
SHARE_TOLERANCE = 1e-6
# ceilings by unit, for numbers no county reaches (they also keep sums of millions of households finite)
UNIT_CEILINGS = (
    ("yuan", 1e12),
    ("months", 1_200.0),
    ("households", 1e9),
    ("x poverty line", 100.0),
    ("log-sd", 10.0),
)
# a scenario's name names files and folders: letters (Chinese too), digits, '_', '-', '.'; no '.' or '-' first
SCENARIO_NAME = re.compile(r"\w[\w.+-]*")  # "+": a run with --set is named <scenario>+<n>-overrides
SCENARIO_NAME_LENGTH = 80


def field(default: Any, unit: str, description: str, **limits: Any) -> Any:
    """A documented parameter: its unit and meaning go into the JSON schema."""
    return Field(default, description=f"{description} [{unit}]", json_schema_extra={"unit": unit}, **limits)


def _numeric(annotation: Any) -> bool:
    """Whether a field's type is a number (int or float), optional or not, but not a boolean."""
    if annotation in (int, float):
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return bool(members) and all(a in (int, float) for a in members)
    return False


def _number(value: Any) -> float:
    """A value as the float pydantic would read (``"1e308"`` included); NaN when it is no number."""
    try:
        return float(value) if isinstance(value, int | float | str) else math.nan
    except ValueError:
        return math.nan


class Section(BaseModel):
    """A block of parameters: unknown keys are errors, floats finite, values checked on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _plain_numbers(cls, data: Any) -> Any:
        """``true``/``false`` given for a number is an error, not 1 or 0; numbers stay below their unit's ceiling."""
        if not isinstance(data, dict):
            return data
        for key, value in data.items():
            info = cls.model_fields.get(key) if isinstance(key, str) else None
            if info is None or not _numeric(info.annotation):
                continue
            if isinstance(value, bool):
                raise ValueError(f"{key}: expected a number, got a boolean ({str(value).lower()})")
            unit = (info.json_schema_extra or {}).get("unit", "") if isinstance(info.json_schema_extra, dict) else ""
            ceiling = next((limit for prefix, limit in UNIT_CEILINGS if unit.startswith(prefix)), None)
            number = _number(value)
            if ceiling is not None and math.isfinite(number) and number > ceiling:  # NaN, inf: pydantic says "finite"
                raise ValueError(f"{key}: {number:g} {unit} is above {ceiling:g}, the most agrifin accepts")
        return data


def check_scenario_name(name: str) -> str:
    """A scenario name usable in file and folder names.

    Raises:
        ValueError: characters other than letters, digits, ``_``, ``-``, ``+`` and ``.``, or a leading mark.
    """
    if not SCENARIO_NAME.fullmatch(name) or len(name) > SCENARIO_NAME_LENGTH:
        raise ValueError(
            f"{name!r} is not a valid name: use letters, digits, '_', '-', '+' and '.' "
            f"(not first), at most {SCENARIO_NAME_LENGTH} characters; it names result files and folders"
        )
    return name


def _check_shares(shares: dict[str, float], keys: tuple[str, ...], name: str) -> None:
    missing = [k for k in keys if k not in shares]
    if missing:
        raise ValueError(f"{name} needs a share for each of {', '.join(keys)} (missing {', '.join(missing)})")
    total = sum(shares.values())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ValueError(f"{name} must sum to 1, got {total:.6g}")


class ByRegion(Section):
    """One number per region (plain, hill, mountain)."""

    plain: float = Field(ge=0)
    hill: float = Field(ge=0)
    mountain: float = Field(ge=0)

    def as_array(self) -> list[float]:
        """Values in the order of REGIONS."""
        return [self.plain, self.hill, self.mountain]


class RegionShares(ByRegion):
    """Shares of the county in each region; they sum to 1."""

    @model_validator(mode="after")
    def _sums_to_one(self) -> RegionShares:
        _check_shares(self.model_dump(), REGIONS, "region shares")
        return self


class ByGroup(Section):
    """One number per household group (ex-poor, fringe, general)."""

    ex_poor: float = Field(ge=0)
    fringe: float = Field(ge=0)
    general: float = Field(ge=0)

    def as_array(self) -> list[float]:
        """Values in the order of GROUPS."""
        return [self.ex_poor, self.fringe, self.general]


class CropShares(Section):
    """Shares of households growing each crop; they sum to 1."""

    grain: float = Field(ge=0, le=1)
    cash_crop: float = Field(ge=0, le=1)
    livestock: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _sums_to_one(self) -> CropShares:
        _check_shares(self.model_dump(), CROPS, "crop shares")
        return self

    def as_array(self) -> list[float]:
        """Shares in the order of CROPS."""
        return [self.grain, self.cash_crop, self.livestock]


class CropSharesByRegion(Section):
    """Crop shares for each region."""

    plain: CropShares
    hill: CropShares
    mountain: CropShares

    def as_matrix(self) -> list[list[float]]:
        """Rows in the order of REGIONS, columns in the order of CROPS."""
        return [self.plain.as_array(), self.hill.as_array(), self.mountain.as_array()]
