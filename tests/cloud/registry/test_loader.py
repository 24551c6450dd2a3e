"""Registry files: the demo file loads; mistakes are reported with file, key and reason."""

from pathlib import Path

import pytest

from cloud.registry import RegistryFileError, RegistryService, load_registry_file
from cloud.store.db import make_engine, migrate
from testkit.paths import DEMO_SITE_FILE


def test_demo_registry_loads() -> None:
    reg = load_registry_file(DEMO_SITE_FILE)
    site = reg.sites[0]
    assert site.region == "140703"
    assert {p.crop for p in site.plots} == {"黄瓜", "番茄"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sites: [{id: S1, name: x, region: '1407', plots: []}]", "sites.0.region"),
        ("sites: [{id: S1, name: x, region: '140703', colour: red}]", "sites.0.colour"),
        (
            "sites: [{id: S1, name: x, region: '140703', herds: [{id: H1, species: yak}]}]",
            "sites.0.herds.0.species",
        ),
        ("sites: [{id: S1, name: x, region: '140703', producer: P9}]", "producer 'P9'"),
        ("sites: [{id: S1, name: x, region: '140703', timezone: Mars/Olympus}]", "time zone"),
        (
            "sites: [{id: S1, name: x, region: '140703', geofence: {type: Polygon, "
            "coordinates: [[[1, 2], [3, 4]]]}}]",
            "ring",
        ),
        (  # a quoted coordinate was a TypeError inside the check
            "sites: [{id: S1, name: x, region: '140703', plots: [{id: P, polygon: {type: Polygon, "
            "coordinates: [[['1', 2], [3, 4], [3, 2], ['1', 2]]]}}]}]",
            "sites.0.plots.0.polygon.coordinates.0.0.0: Input should be a valid number",
        ),
        (
            "sites: [{id: S1, name: x, region: '140703', geofence: {type: Polygon, "
            "coordinates: [[[1, 2], [3, .inf], [3, 2], [1, 2]]]}}]",
            "sites.0.geofence.coordinates.0.1.1: Input should be a finite number",
        ),
        (  # extra keys were kept, stored and served
            "sites: [{id: S1, name: x, region: '140703', geofence: {type: Polygon, "
            "coordinates: [[[1, 2], [3, 4], [3, 2], [1, 2]]], big: [x, x]}}]",
            "sites.0.geofence.big: Extra inputs are not permitted",
        ),
        (  # YAML aliases expand into every place that names them: refused by the YAML reader
            "sites: [{id: S1, name: x, region: '140703', geofence: {type: Polygon, "
            "coordinates: [&r [[1, 2], [3, 4], [3, 2], [1, 2]], *r]}}]",
            ":1: YAML anchors and aliases",
        ),
        (
            "sites: [{id: S1, name: x, region: '140703', geofence: {type: Polygon, "
            "coordinates: [[[1, 2], [3, 4], [3, 2], [1, 2]]], bbox: [1, 2, 3]}}]",
            "sites.0.geofence.bbox: a bbox is [west, south, east, north]",
        ),
        (
            "sites: [{id: S1, name: x, region: '140703', geofence: {type: Polygon, "
            "coordinates: [[[1, 2], [3, 4], [3, 2], [1, 2]]], bbox: [1, 2, .nan, 4]}}]",
            "sites.0.geofence.bbox.2: Input should be a finite number",
        ),
        ("sites: [{id: S1, name: x, region: '140703', plots: [{id: P}, {id: P}]}]", "duplicate"),
        ("sites: [oops", "not valid YAML"),
    ],
)
def test_mistakes_name_the_key(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "registry.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(RegistryFileError) as info:
        load_registry_file(path)
    assert str(path) in str(info.value)
    assert expected in str(info.value)


def test_a_geojson_bbox_is_accepted_and_not_kept(tmp_path: Path) -> None:
    # RFC 7946 lets any GeoJSON object carry a bbox; registries exported from GIS tools do.
    ring = "[[[1, 2], [3, 4], [3, 2], [1, 2]]]"
    path = tmp_path / "registry.yaml"
    path.write_text(
        "sites: [{id: S1, name: x, region: '140703', "
        f"geofence: {{type: Polygon, coordinates: {ring}, bbox: [1, 2, 3, 4]}}, "
        f"plots: [{{id: P, polygon: {{type: Polygon, coordinates: {ring}, "
        "bbox: [1, 2, 0, 3, 4, 10.5]}}]}]",
        "utf-8",
    )
    site = load_registry_file(path).sites[0]
    stored = {"type": "Polygon", "coordinates": [[[1, 2], [3, 4], [3, 2], [1, 2]]]}
    assert site.geofence == stored
    assert site.plots[0].polygon == stored


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RegistryFileError, match="not found"):
        load_registry_file(tmp_path / "nope.yaml")


def test_sync_and_sender_checks(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    registry = RegistryService(engine)
    registry.sync_file(load_registry_file(DEMO_SITE_FILE))
    registry.sync_file(load_registry_file(DEMO_SITE_FILE))  # idempotent
    assert registry.check_sender("SX-TG-001", "rt-01")
    assert not registry.check_sender("SX-TG-001", "rt-99")
    assert not registry.check_sender("SX-XX-001", "rt-01")
    sites = registry.list_sites()
    assert [s["id"] for s in sites] == ["SX-TG-001"]
    assert {d["id"] for d in sites[0]["devices"]} == {
        "rt-01",
        "rt-02",
        "bridge-01",
        "cam-01",
        "app-zhang",
    }
