"""Which tensors two ONNX graphs compute alike: proved from operators and weights, not names."""

from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
from onnx import GraphProto, ModelProto, TensorProto, helper, numpy_helper

from edge.detect.trunk import IMAGE, head_of, shared_boundary, tensor_hashes, with_outputs

REPO = Path(__file__).resolve().parents[3]
MODELS = REPO / "models"
RNG = np.random.default_rng(7)
W1 = RNG.normal(size=(4, 3, 3, 3)).astype(np.float32)
W2 = RNG.normal(size=(2, 4, 1, 1)).astype(np.float32)


def _net(prefix: str, w1: np.ndarray, w2: np.ndarray, relu: str = "Relu") -> ModelProto:
    """image → Conv(w1) → RELU → Conv(w2) → out; tensor names start with PREFIX."""
    p = prefix
    nodes = [
        helper.make_node("Conv", [f"{p}in", f"{p}w1"], [f"{p}a"], pads=[1, 1, 1, 1]),
        helper.make_node(relu, [f"{p}a"], [f"{p}b"]),
        helper.make_node("Conv", [f"{p}b", f"{p}w2"], [f"{p}out"]),
    ]
    graph = helper.make_graph(
        nodes,
        p + "net",
        [helper.make_tensor_value_info(f"{p}in", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info(f"{p}out", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(w1, f"{p}w1"), numpy_helper.from_array(w2, f"{p}w2")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _boundary(a: ModelProto, b: ModelProto) -> list[tuple[str, str]]:
    return shared_boundary(a.graph, b.graph, least=1)


def test_the_same_first_layer_under_other_names_is_shared() -> None:
    ours, coco = _net("x_", W1, W2), _net("y_", W1, -W2)
    assert _boundary(ours, coco) == [("x_b", "y_b")]
    hashes = tensor_hashes(coco.graph)
    assert hashes["y_in"] == IMAGE
    assert hashes["y_b"] == tensor_hashes(ours.graph)["x_b"]
    assert hashes["y_out"] != tensor_hashes(ours.graph)["x_out"]


def test_a_weight_one_ulp_off_shares_nothing_another_operator_ends_the_trunk() -> None:
    nudged = W1.copy()
    nudged[0, 0, 0, 0] = np.nextafter(nudged[0, 0, 0, 0], np.float32(np.inf))
    assert _boundary(_net("x_", W1, W2), _net("y_", nudged, -W2)) == []
    # the first convolution is still common; COCO's own part starts at its activation
    assert _boundary(_net("x_", W1, W2), _net("y_", W1, W2, relu="Sigmoid")) == [("x_a", "y_a")]


def test_the_sign_of_a_zero_weight_does_not_matter() -> None:
    """Two exports of the same weights differ in the sign of zero (seen in v2 and COCO)."""
    plus, minus = W1.copy(), W1.copy()
    plus[1, 1, 1, 1], minus[1, 1, 1, 1] = 0.0, -0.0
    assert _boundary(_net("x_", plus, W2), _net("y_", minus, -W2)) == [("x_b", "y_b")]


def test_a_whole_graph_alike_or_too_little_alike_is_no_boundary() -> None:
    twin = _net("y_", W1, W2)
    assert _boundary(_net("x_", W1, W2), twin) == []  # nothing of COCO's own left to run
    assert shared_boundary(_net("x_", W1, W2).graph, _net("y_", W1, -W2).graph, least=2) == []


def _scaled(prefix: str, op: str) -> ModelProto:
    """image → Conv(W1) → Relu → OP(·, a Constant node) → out."""
    p = prefix
    nodes = [
        helper.make_node("Conv", [f"{p}in", f"{p}w1"], [f"{p}a"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", [f"{p}a"], [f"{p}b"]),
        helper.make_node(
            "Constant",
            [],
            [f"{p}k"],
            value=numpy_helper.from_array(np.array(2.0, dtype=np.float32), f"{p}kv"),
        ),
        helper.make_node(op, [f"{p}b", f"{p}k"], [f"{p}out"]),
    ]
    graph = helper.make_graph(
        nodes,
        p + "net",
        [helper.make_tensor_value_info(f"{p}in", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info(f"{p}out", TensorProto.FLOAT, None)],
        [numpy_helper.from_array(W1, f"{p}w1")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_a_constant_both_graphs_hold_is_no_feature() -> None:
    """The head is fed what the image flows into, not a constant it can hold itself."""
    assert _boundary(_scaled("x_", "Add"), _scaled("y_", "Mul")) == [("x_b", "y_b")]


def test_a_graph_with_a_shared_output_has_no_head_to_cut() -> None:
    coco = _net("y_", W1, -W2)
    coco.graph.output.append(helper.make_tensor_value_info("y_b", TensorProto.FLOAT, None))
    assert _boundary(_net("x_", W1, W2), coco) == []


def test_a_second_input_is_refused() -> None:
    model = _net("x_", W1, W2)
    graph: GraphProto = model.graph
    graph.input.append(helper.make_tensor_value_info("x_other", TensorProto.FLOAT, [1]))
    with pytest.raises(ValueError, match="2 graph inputs"):
        tensor_hashes(graph)
    assert _boundary(model, _net("y_", W1, -W2)) == []


def test_the_head_on_our_features_gives_the_other_model_s_output() -> None:
    ours, coco = _net("x_", W1, W2), _net("y_", W1, -W2)
    pairs = _boundary(ours, coco)
    exposed = with_outputs(ours, [m for m, _ in pairs])
    head = head_of(coco, [t for _, t in pairs])
    image = RNG.random((1, 3, 8, 8), dtype=np.float32)
    run = ort.InferenceSession(exposed.SerializeToString(), providers=["CPUExecutionProvider"])
    own, feature = run.run(None, {"x_in": image})
    whole = ort.InferenceSession(coco.SerializeToString(), providers=["CPUExecutionProvider"])
    part = ort.InferenceSession(head.SerializeToString(), providers=["CPUExecutionProvider"])
    got = part.run(None, {"y_b": feature})[0]
    np.testing.assert_array_equal(got, whole.run(None, {"y_in": image})[0])
    single = ort.InferenceSession(ours.SerializeToString(), providers=["CPUExecutionProvider"])
    np.testing.assert_array_equal(own, single.run(None, {"x_in": image})[0])


def test_v2_shares_coco_s_frozen_layers_and_v1_shares_nothing() -> None:
    """v2 was fine-tuned from COCO with 15 layers frozen; v1 was trained from scratch."""
    import onnx

    coco = onnx.load(str(MODELS / "yolov8n-coco" / "model.onnx")).graph
    v2 = onnx.load(str(MODELS / "agri-activity-v2" / "model.onnx")).graph
    pairs = shared_boundary(v2, coco)
    assert {t for _, t in pairs} == {
        "/model.9/cv2/act/Mul_output_0",  # SPPF, to the bottom-up neck
        "/model.12/cv2/act/Mul_output_0",  # the top-down neck's P4
        "/model.14/Concat_output_0",  # its P3, where layer 15 (unfrozen) begins
    }
    v1 = onnx.load(str(MODELS / "agri-activity-v1" / "model.onnx")).graph
    assert shared_boundary(v1, coco) == []
