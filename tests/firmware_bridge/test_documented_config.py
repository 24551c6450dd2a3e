"""docs/bridge.md's bridge.yaml, as printed, works with the project's own simulators.

The YAML block is read from the doc itself; only what cannot be literal on a test machine is
replaced, visibly: serial ports → the simulators' pseudo-terminals, the broker → a port where
nothing listens (messages stay in the outbox, where the test reads them), data_dir → a temp dir.
"""

import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import yaml

from agrisafe.mqtt.url import BrokerAddress
from firmware_bridge.app import build_app
from firmware_bridge.config import BridgeConfig
from firmware_bridge.simulators.dy3000 import Dy3000Simulator
from firmware_bridge.simulators.feeder import DEMO_TESTS, local_now, run_test
from firmware_bridge.simulators.gps import GpsSimulator
from firmware_bridge.simulators.line import LineSimulator
from testkit.net import wait_for
from testkit.paths import REPO

NOWHERE = BrokerAddress("127.0.0.1", 9)


def documented_yaml() -> dict[str, Any]:
    text = (REPO / "docs" / "bridge.md").read_text("utf-8")
    block = re.search(r"## bridge\.yaml\n```yaml\n(.*?)```", text, re.S)
    assert block is not None, "docs/bridge.md lost its bridge.yaml block"
    data = yaml.safe_load(block.group(1))
    assert isinstance(data, dict)
    return data


def test_documented_bridge_yaml_decodes_what_the_simulators_send(tmp_path: Path) -> None:
    doc = documented_yaml()
    sims = {
        "dy3000": Dy3000Simulator(tmp_path / "ttyDY"),
        "line": LineSimulator(tmp_path / "ttyLINE"),
    }
    gps = GpsSimulator(tmp_path / "ttyGPS", interval_s=0.2)
    for sim in (*sims.values(), gps):
        sim.start()
    doc["gps"]["serial"]["port"] = str(gps.path)
    for inst in doc["instruments"]:
        inst["serial"]["port"] = str(sims[inst["protocol"]].path)
    doc["data_dir"] = str(tmp_path / "data")
    app = build_app(BridgeConfig.model_validate(doc), NOWHERE, tmp_path / "data")
    app.start()
    try:
        # pyserial empties the input buffer when it opens a port: a frame sent before the
        # bridge's ports are open is lost (as from a real instrument), so wait for them
        assert wait_for(lambda: all(c.link.connected for c in app.coordinators), 20)
        when = local_now(ZoneInfo(doc["station"]["timezone"]))
        for sim in sims.values():
            run_test(sim, DEMO_TESTS[2], when)  # the positive one

        def rapid_tests() -> dict[str, dict[str, Any]]:
            found = {}
            for item in app.outbox.peek(0, 100):
                msg = orjson.loads(item.payload)
                if msg["kind"] == "rapid_test":
                    found[msg["device"]] = msg["body"]
            return found

        documented = {inst["device"] for inst in doc["instruments"]}
        assert wait_for(lambda: set(rapid_tests()) == documented, 20), rapid_tests()
        for body in rapid_tests().values():
            assert body["inhibition_pct"] == DEMO_TESTS[2].inhibition_pct
            assert body["result"] == "positive"
    finally:
        app.stop()
        for sim in (*sims.values(), gps):
            sim.stop()
