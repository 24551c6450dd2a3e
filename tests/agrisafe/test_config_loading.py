"""YAML → pydantic with one error style: file, key, what was expected."""

import contextlib
import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict

from agrisafe.config import ConfigError, load_yaml_model, read_yaml


class Site(BaseModel):
    model_config = ConfigDict(extra="forbid")
    site: str
    cameras: int = 1


def test_valid_and_empty(tmp_path: Path) -> None:
    f = tmp_path / "a.yaml"
    f.write_text("site: S1\ncameras: 2\n", "utf-8")
    assert load_yaml_model(f, Site) == Site(site="S1", cameras=2)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "file not found"),
        (b"site: [", "not valid YAML"),
        (b"[" * 100_000, "not valid YAML: nested too deep"),  # was a RecursionError
        (b"\xff\xfe", "not UTF-8"),
        (b"- a\n- b\n", "expected a mapping"),
        (b"cameras: many\n", "site: Field required"),
        (b"site: S1\nextra: 1\n", "extra: Extra inputs are not permitted"),
    ],
)
def test_errors_name_file_and_key(tmp_path: Path, content: bytes | None, expected: str) -> None:
    f = tmp_path / "site.yaml"
    if content is not None:
        f.write_bytes(content)
    with pytest.raises(ConfigError) as err:
        load_yaml_model(f, Site, what="site config")
    assert str(err.value).startswith(str(f))
    assert expected in str(err.value)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_are_a_config_error_or_a_model(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "x.yaml"
        f.write_bytes(data)
        with contextlib.suppress(ConfigError):  # anything else fails the test
            assert isinstance(load_yaml_model(f, Site), Site)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("site: &s S1\ncameras: 2\n", 1),  # an anchor alone: refused where it is defined
        ("site: S1\nbase: {x: 1}\nmore:\n  <<: *b\n", 4),  # an alias, merge key included
        # A billion-laughs ladder: each level names the one before ten times.
        (
            "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n"
                for p, c in itertools.pairwise("abcdefgh")
            ),
            1,
        ),
    ],
)
def test_yaml_anchors_and_aliases_are_refused_naming_file_and_line(
    tmp_path: Path, text: str, line: int
) -> None:
    f = tmp_path / "registry.yaml"
    f.write_text(text, "utf-8")
    with pytest.raises(ConfigError, match=r"anchors and aliases") as err:
        read_yaml(f)
    assert str(err.value).startswith(f"{f}:{line}: ")


def test_a_literal_ampersand_or_star_in_a_value_is_no_alias(tmp_path: Path) -> None:
    f = tmp_path / "site.yaml"
    f.write_text("site: 'S&1 *x'\nnote: a & b * c\n", "utf-8")
    assert read_yaml(f) == {"site": "S&1 *x", "note": "a & b * c"}
