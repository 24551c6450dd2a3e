"""Which nodes stay in float for each INT8 mode (pure: on node names)."""

import pytest

from agrisafe_models.quantize import excluded_nodes, head_prefix

NODES = [
    ("/model.0/conv/Conv", "Conv"),
    ("/model.22/cv2.0/cv2.0.0/conv/Conv", "Conv"),
    ("/model.22/cv2.0/cv2.0.2/Conv", "Conv"),
    ("/model.22/cv3.1/cv3.1.2/Conv", "Conv"),
    ("/model.22/Concat", "Concat"),
    ("/model.22/dfl/Softmax", "Softmax"),
    ("/model.22/dfl/conv/Conv", "Conv"),
    ("/model.22/Sigmoid", "Sigmoid"),
]


def test_head_is_the_last_module() -> None:
    assert head_prefix([n for n, _ in NODES]) == "/model.22/"
    with pytest.raises(ValueError, match="ultralytics"):
        head_prefix(["conv1", "relu"])


def test_modes() -> None:
    assert excluded_nodes(NODES, "full") == []
    assert excluded_nodes(NODES, "float-decode") == [
        "/model.22/cv2.0/cv2.0.2/Conv",
        "/model.22/cv3.1/cv3.1.2/Conv",
        "/model.22/Concat",
        "/model.22/dfl/Softmax",
        "/model.22/dfl/conv/Conv",
        "/model.22/Sigmoid",
    ]
    assert len(excluded_nodes(NODES, "float-head")) == 7
    with pytest.raises(ValueError, match="quantisation mode"):
        excluded_nodes(NODES, "half")
