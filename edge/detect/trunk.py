"""Where two ONNX detectors compute the same thing: the trunk our model shares with COCO's.

`agri-activity-v2` was fine-tuned from COCO's YOLOv8n with its first 15 layers frozen, so on the
same input its backbone and top-down neck give COCO's own features to the last bit. A verifier
look at the whole frame at our input size then needs only COCO's head on the features our
model already computed for that frame: about 0.58 of a whole COCO look (`bench/edge`).

What is shared is proved from the two graphs, not taken from a name or a note: every tensor gets
a hash of how it is computed (operator, attributes, the hashes of its inputs, the bytes of its
weights; the image input is the one leaf they have in common). A tensor with the same hash in
both graphs holds the same numbers on the same image. The boundary is the shared tensors COCO's
own nodes go on from. A model trained from scratch (v1) or quantised (INT8) shares nothing and
keeps whole looks. `onnx` graphs in, graphs out; sessions are the caller's.
"""

import hashlib
from collections.abc import Iterable

import numpy as np
from onnx import GraphProto, ModelProto, TensorProto, helper, numpy_helper, shape_inference
from onnx.utils import Extractor

IMAGE = "image"  # the hash of each graph's image input: the one leaf both graphs share
# A boundary worth a second session: at least this many shared convolutions behind it.
MIN_SHARED_CONVS = 8


def _weight_hash(tensor: TensorProto) -> str:
    arr = numpy_helper.to_array(tensor)
    if arr.dtype.kind == "f":
        arr = arr + 0  # -0.0 and 0.0 multiply alike; exports differ in the sign of zero weights
    head = f"{tensor.data_type}:{list(tensor.dims)}:".encode()
    return hashlib.sha256(head + np.ascontiguousarray(arr).tobytes()).hexdigest()


def tensor_hashes(graph: GraphProto) -> dict[str, str]:
    """Tensor name → hash of how it is computed from the image and the weights.

    Raises ValueError for a graph that is not one image in: a second input would be a leaf
    whose value the hash cannot know."""
    hashes = {t.name: _weight_hash(t) for t in graph.initializer}
    inputs = [i.name for i in graph.input if i.name not in hashes]
    if len(inputs) != 1:
        raise ValueError(f"{len(inputs)} graph inputs; a detector takes one image")
    hashes[inputs[0]] = IMAGE
    for node in graph.node:  # ONNX keeps nodes in topological order
        h = hashlib.sha256(f"{node.domain}:{node.op_type}".encode())
        for attr in sorted(node.attribute, key=lambda a: a.name):
            if attr.type == attr.TENSOR:  # a Constant node: its value, not its name
                h.update(f"{attr.name}={_weight_hash(attr.t)}".encode())
            else:
                h.update(attr.name.encode() + attr.SerializeToString())
        for name in node.input:
            if name and name not in hashes:
                raise ValueError(f"node {node.name!r} reads {name!r}, computed nowhere before it")
            h.update(b"|" + hashes.get(name, "").encode())  # "": an optional input left out
        for k, out in enumerate(node.output):
            hashes[out] = hashlib.sha256(h.digest() + k.to_bytes(2, "big")).hexdigest()
    return hashes


def shared_boundary(
    ours: GraphProto, ref: GraphProto, least: int = MIN_SHARED_CONVS
) -> list[tuple[str, str]]:
    """The tensors both graphs compute identically and REF's own nodes go on from, as
    (name in OURS, name in REF) pairs in REF's order; empty when too little is shared to be
    worth it (fewer than LEAST convolutions) or the graphs cannot be hashed."""
    try:
        mine, theirs = tensor_hashes(ours), tensor_hashes(ref)
    except ValueError:
        return []
    by_hash = {h: name for name, h in mine.items()}
    # Only what the image flows into: a weight or a constant both graphs hold is no feature.
    seen = {name for name, h in theirs.items() if h == IMAGE}
    for node in ref.node:
        if any(name in seen for name in node.input):
            seen.update(node.output)
    shared = {name for name in seen if theirs[name] in by_hash}
    convs = sum(1 for n in ref.node if n.op_type == "Conv" and set(n.output) <= shared)
    if convs < least:
        return []
    pairs: list[tuple[str, str]] = []
    for node in ref.node:
        if set(node.output) <= shared:
            continue  # a node both compute: not where COCO's own part begins
        for name in node.input:
            if name in shared and theirs[name] != IMAGE and name not in (p[1] for p in pairs):
                pairs.append((by_hash[theirs[name]], name))
    if any(o.name in shared for o in ref.output):
        return []  # REF's head would have to start from the image for this output
    return pairs


def with_outputs(model: ModelProto, names: Iterable[str]) -> ModelProto:
    """A copy of MODEL that also returns the tensors NAMES (after its own outputs)."""
    out = ModelProto()
    out.CopyFrom(model)
    known = {v.name: v for v in shape_inference.infer_shapes(model).graph.value_info}
    for name in names:
        elem = known[name].type.tensor_type.elem_type if name in known else TensorProto.FLOAT
        out.graph.output.append(helper.make_tensor_value_info(name, elem, None))
    return out


def head_of(model: ModelProto, inputs: list[str]) -> ModelProto:
    """MODEL's part from the tensors INPUTS to its outputs (the inputs in that order)."""
    outputs = [o.name for o in model.graph.output]
    return Extractor(shape_inference.infer_shapes(model)).extract_model(inputs, outputs)
