"""int8 matrix products whose vectors do not depend on batch-mates: closeness to fp32 and CPU time.

ONNX Runtime's dynamic quantisation (the opt-in `int8` graph) scales activations once per batch,
so a text's vector moves with the texts embedded beside it. The variants built here quantise each
row (each token) of a matrix product's input with its own scale, in the graph itself (absolute
maximum or min/max of the row, round, `MatMulInteger` on int8 weights with one scale per output
channel, then the row's and the channel's scales): a text's vector is then the same alone or in
any batch. `smooth` first moves part of each input channel's range into the weights (SmoothQuant:
static per-channel factors, alpha 0.5, from activations of a calibration slice of texts), which
tames the outlier channels of BERT's LayerNorm outputs. Printed per variant: cosine to fp32 (mean,
min) on a slice of musique-100's texts (entities, facts, passages from the recorded triples),
the largest difference between a text embedded alone and in its batch, and CPU seconds per round
(one thread) beside fp32's and the dynamic int8 graph's.

    .venv/bin/python -m benchmarks.bench_int8_rows [--export-dir DIR] [--rounds 2] [--keep-int8 VARIANT]

`--keep-int8 VARIANT` writes that variant as the export directory's `int8` graph, so that
`benchmarks.bench_musique --export-dir DIR --precision fp32 int8` measures its recall. Measured:
smooth-rows gave R@1/2/5/10 34.4 / 50.1 / 70.8 / 79.1 against fp32's 34.4 / 51.1 / 71.8 / 78.6
(recorded triples) in 0.63x fp32's index time (load 12-15): outside the 0.005 bar, not adopted.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from memrag.memory.embedding.onnx import GRAPHS, PLAIN_FILE, TOKEN_BUDGET, OnnxEmbedder, token_budget_batches
from memrag.memory.extraction.normalise import normalise_extraction
from memrag.memory.extraction.recorded import load_openie_file

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "musique-100"
MODEL = "all-MiniLM-L6-v2"
# variant: (smoothing alpha or None, asymmetric rows, name fragments of the products quantised or None for all)
VARIANTS: dict[str, tuple[float | None, bool, tuple[str, ...] | None]] = {
    "rows-sym": (None, False, None),
    "rows-minmax": (None, True, None),
    "smooth-rows": (0.5, True, None),
    "smooth-rows-ffn": (0.5, True, ("intermediate", "output/dense")),
}


def slice_texts(start: int, count: int) -> list[str]:
    """Entity names, fact texts and passages of `count` musique-100 passages (recorded triples)."""
    recorded, _ = load_openie_file(DATA / "openie_gpt-3.5-turbo-1106.json")
    passages = list(recorded)[start : start + count]
    found = [normalise_extraction(recorded[p]) for p in passages]
    entities = sorted({name for f in found for name in f.entities.values()})
    facts = sorted({fact.text for f in found for fact in f.facts})
    return entities + facts + passages


def weighted_products(model: onnx.ModelProto) -> list[onnx.NodeProto]:
    """The MatMuls whose second input is a 2-D weight (the attention score products are left alone)."""
    weights = {i.name: i for i in model.graph.initializer if len(i.dims) == 2}
    return [n for n in model.graph.node if n.op_type == "MatMul" and n.input[1] in weights]


def input_maxima(plain: Path, embedder: OnnxEmbedder, texts: Sequence[str]) -> dict[str, np.ndarray]:
    """Largest |activation| per input channel of every weighted product, over the real tokens of `texts`."""
    model = onnx.load(str(plain))
    names = sorted({n.input[0] for n in weighted_products(model)})
    for name in names:
        model.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    maxima: dict[str, np.ndarray] = {}
    for ids, mask in padded_batches(embedder, texts):
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        for name, value in zip(names, session.run(names, feeds), strict=True):
            largest = np.abs(np.asarray(value)[mask.astype(bool)]).max(axis=0)
            maxima[name] = np.maximum(maxima.get(name, largest), largest)
    return maxima


def padded_batches(embedder: OnnxEmbedder, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Token ids and masks in the embedder's own token-budget batches."""
    encodings = embedder._tokenizer.encode_batch(list(texts))
    batches = []
    for rows in token_budget_batches([len(e.ids) for e in encodings], TOKEN_BUDGET, 256):
        width = max(len(encodings[i].ids) for i in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        for row, index in enumerate(rows):
            ids[row, : len(encodings[index].ids)] = encodings[index].ids
        batches.append((ids, (ids != 0).astype(np.int64)))
    return batches


def build_variant(plain: Path, target: Path, variant: str, maxima: dict[str, np.ndarray]) -> None:
    """Write `variant` of the plain fp32 graph to `target`."""
    alpha, asymmetric, only = VARIANTS[variant]
    model = onnx.load(str(plain))
    graph = model.graph
    weights = {i.name: i for i in graph.initializer}
    products = [n for n in weighted_products(model) if only is None or any(s in n.name for s in only)]
    smoothing = smoothing_factors(products, weights, maxima, alpha) if alpha is not None else {}
    graph.initializer.extend(_constants())
    nodes: list[onnx.NodeProto] = []
    rewritten = {n.name for n in products}
    for node in graph.node:
        if node.name not in rewritten:
            nodes.append(node)
            continue
        weight = numpy_helper.to_array(weights[node.input[1]]).astype(np.float32)
        factors = smoothing.get(node.input[0])
        if factors is not None:
            weight = weight * factors[:, None]
        nodes.extend(_row_quantised(graph, node, weight, factors, asymmetric))
    del graph.node[:]
    graph.node.extend(nodes)
    used = {name for n in graph.node for name in n.input}
    kept = [i for i in graph.initializer if i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    onnx.save(model, str(target))


def smoothing_factors(
    products: list[onnx.NodeProto], weights: dict[str, onnx.TensorProto], maxima: dict[str, np.ndarray], alpha: float
) -> dict[str, np.ndarray]:
    """SmoothQuant's factor per input channel, one set per activation (q, k and v share theirs)."""
    factors = {}
    for name in {n.input[0] for n in products}:
        weight_max = np.max(
            [np.abs(numpy_helper.to_array(weights[n.input[1]])).max(axis=1) for n in products if n.input[0] == name],
            axis=0,
        )
        factor = np.maximum(maxima[name], 1e-5) ** alpha / np.maximum(weight_max, 1e-5) ** (1 - alpha)
        factors[name] = factor.astype(np.float32)
    return factors


def _constants() -> list[onnx.TensorProto]:
    values = {"rq_127": 127.0, "rq_255": 255.0, "rq_128": 128.0, "rq_zero": 0.0, "rq_tiny": 1e-12}
    made = [numpy_helper.from_array(np.array(v, np.float32), k) for k, v in values.items()]
    return [*made, numpy_helper.from_array(np.array(128, np.uint8), "rq_zp")]


def _row_quantised(
    graph: onnx.GraphProto, node: onnx.NodeProto, weight: np.ndarray, factors: np.ndarray | None, asymmetric: bool
) -> list[onnx.NodeProto]:
    """The nodes replacing one MatMul: its input quantised row by row, int8 weights per output channel."""
    p = node.name.replace("/", "_")
    channel_scale = np.abs(weight).max(axis=0) / 127.0
    channel_scale[channel_scale == 0] = 1.0
    quantised = np.clip(np.rint(weight / channel_scale), -127, 127).astype(np.int8)
    graph.initializer.extend(
        [
            numpy_helper.from_array(quantised, p + "_wq"),
            numpy_helper.from_array(channel_scale.astype(np.float32), p + "_ws"),
            numpy_helper.from_array(quantised.astype(np.int32).sum(axis=0).astype(np.float32), p + "_colsum"),
        ]
    )

    def op(kind: str, inputs: list[str], out: str, **attrs: Any) -> onnx.NodeProto:
        return helper.make_node(kind, inputs, [p + out], name=p + out, **attrs)

    source = node.input[0]
    nodes = []
    if factors is not None:
        graph.initializer.append(numpy_helper.from_array((1.0 / factors).astype(np.float32), p + "_inv"))
        nodes.append(op("Mul", [source, p + "_inv"], "_smoothed"))
        source = p + "_smoothed"
    if asymmetric:  # 256 levels from the row's min to its max (zero kept exact), corrected by the weights' sums
        nodes += [
            op("ReduceMax", [source], "_hi0", axes=[-1], keepdims=1),
            op("ReduceMin", [source], "_lo0", axes=[-1], keepdims=1),
            op("Max", [p + "_hi0", "rq_zero"], "_hi"),
            op("Min", [p + "_lo0", "rq_zero"], "_lo"),
            op("Sub", [p + "_hi", p + "_lo"], "_range"),
            op("Div", [p + "_range", "rq_255"], "_s0"),
            op("Max", [p + "_s0", "rq_tiny"], "_s"),
            op("Div", [p + "_lo", p + "_s"], "_z0"),
            op("Round", [p + "_z0"], "_z1"),
            op("Neg", [p + "_z1"], "_zp"),
            op("Div", [source, p + "_s"], "_x"),
            op("Round", [p + "_x"], "_r"),
            op("Add", [p + "_r", p + "_zp"], "_u0"),
            op("Clip", [p + "_u0", "rq_zero", "rq_255"], "_u"),
            op("Cast", [p + "_u"], "_q", to=TensorProto.UINT8),
            op("MatMulInteger", [p + "_q", p + "_wq"], "_yi"),
            op("Cast", [p + "_yi"], "_yf", to=TensorProto.FLOAT),
            op("Mul", [p + "_zp", p + "_colsum"], "_shift"),
            op("Sub", [p + "_yf", p + "_shift"], "_yc"),
        ]
    else:  # symmetric: 255 levels over ±the row's largest |value|
        nodes += [
            op("Abs", [source], "_abs"),
            op("ReduceMax", [p + "_abs"], "_amax", axes=[-1], keepdims=1),
            op("Div", [p + "_amax", "rq_127"], "_s0"),
            op("Max", [p + "_s0", "rq_tiny"], "_s"),
            op("Div", [source, p + "_s"], "_x"),
            op("Round", [p + "_x"], "_r"),
            op("Add", [p + "_r", "rq_128"], "_u"),
            op("Cast", [p + "_u"], "_q", to=TensorProto.UINT8),
            op("MatMulInteger", [p + "_q", p + "_wq", "rq_zp"], "_yi"),
            op("Cast", [p + "_yi"], "_yc", to=TensorProto.FLOAT),
        ]
    nodes.append(op("Mul", [p + "_yc", p + "_s"], "_rowscaled"))
    nodes.append(helper.make_node("Mul", [p + "_rowscaled", p + "_ws"], list(node.output), name=p + "_out"))
    return nodes


def embedder_on(export_dir: Path, graph_file: Path) -> OnnxEmbedder:
    """The fp32 embedder of `export_dir` running `graph_file` instead, on one thread."""
    embedder = OnnxEmbedder(MODEL, export_dir, quantize=False, threads=1)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    embedder._session = ort.InferenceSession(str(graph_file), options, providers=["CPUExecutionProvider"])
    return embedder


def compare(name: str, embedder: OnnxEmbedder, texts: list[str], reference: np.ndarray) -> None:
    """Cosine to fp32 and the largest alone-vs-batch difference, for every 25th text."""
    vectors = embedder.embed(texts)
    cosines = np.sum(vectors * reference, axis=1)
    alone = np.stack([embedder.embed([t])[0] for t in texts[::25]])
    drift = float(np.abs(alone - vectors[::25]).max())
    print(f"{name:<16} cosine to fp32 mean {cosines.mean():.6f} min {cosines.min():.6f}  alone vs batch {drift:.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export-dir", type=Path, help="the ONNX export (made here if missing; default: afresh)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keep-int8", choices=sorted(VARIANTS), help="write this variant as the export's int8 graph")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="memrag-int8-") as scratch:
        export_dir = args.export_dir or Path(scratch) / "onnx"
        plain = export_dir / PLAIN_FILE
        fp32 = embedder_on(export_dir, plain)
        maxima = input_maxima(plain, fp32, slice_texts(400, 48))  # calibration texts apart from those measured
        texts = slice_texts(0, 64)
        reference = fp32.embed(texts)
        embedders = {"fp32": fp32, "int8-dynamic": OnnxEmbedder(MODEL, export_dir, quantize=True, threads=1)}
        for variant in VARIANTS:
            built = Path(scratch) / f"{variant}.onnx"
            build_variant(plain, built, variant, maxima)
            embedders[variant] = embedder_on(export_dir, built)
            compare(variant, embedders[variant], texts, reference)
            if variant == args.keep_int8:
                built.replace(export_dir / GRAPHS["int8"])
        compare("int8-dynamic", embedders["int8-dynamic"], texts, reference)
        time_rounds(embedders, texts, args.rounds)


def time_rounds(embedders: dict[str, OnnxEmbedder], texts: list[str], rounds: int) -> None:
    """CPU seconds per round of `texts` (one thread), each variant in turn, and its ratio to fp32's."""
    for round_number in range(rounds):
        spent = {}
        for name, embedder in embedders.items():
            started = time.process_time()
            embedder.embed(texts)
            spent[name] = time.process_time() - started
        load = os.getloadavg()[0]
        cells = "  ".join(f"{name} {s:.2f} s ({s / spent['fp32']:.2f}x)" for name, s in spent.items())
        print(f"round {round_number + 1} (load {load:.1f}): {cells}")


if __name__ == "__main__":
    main()
