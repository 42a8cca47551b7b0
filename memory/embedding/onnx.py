"""Embedder on ONNX Runtime for BERT-style sentence-transformers models (mean pooling, unit norm).

The model is exported from its safetensors once (cached beside the embedding cache); ONNX
Runtime fuses the plain export's LayerNorm, GELU and matrix products itself as it loads it.
`fused=True` loads instead a graph rewritten by its transformer optimizer (attention, embedding
+ LayerNorm, bias + GELU as single operators; traced with eager attention, the form the optimizer
recognises): the same vectors (cosine ≥ 0.99999), but 0.93-1.15x the plain graph's CPU time
here, so it is not the default (`benchmarks/bench_ingest.py --graph plain fused`). With
`quantize`, the weights of the matrix products are turned to int8, one scale per output channel
(dynamic quantisation: activations are scaled per batch at run time). Texts are sorted by token
length and batched by a token budget, so that padding stays small (3.5% of the tokens embedded).

int8 is not the default (`memory/wiring.py` asks for fp32): it halves embedding time, but on
musique-100 with the recorded triples it moved recall@1/2/5/10 by −0.008/−0.013/−0.020/+0.009
(`benchmarks/bench_musique.py --precision fp32 int8`), and since activations are scaled per batch,
a text's vector depends on its batch-mates (cosine 0.979 at worst, alone vs in a batch). Scaling
each token's activations alone instead (batch-independent, SmoothQuant factors moved into the
weights; `benchmarks/bench_int8_rows.py`) kept cosine 0.9993 to fp32 but still moved musique-100
R@2/5 by −0.010 (recorded triples, 0.63x fp32's index time), so no int8 variant is built here.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from memrag.memory.embedding.lanes import Lanes
from memrag.memory.embedding.onnx_session import arena_shrinkage
from memrag.memory.embedding.onnx_session import open_session as open_session  # re-exported: benchmarks swap it
from memrag.memory.embedding.sbert import resolve_model_path
from memrag.memory.embedding.wrapping import WrappingEmbedder
from memrag.memory.errors import ModelError
from memrag.memory.extraction.spacy_import import import_torch
from memrag.memory.heap import limit_arenas
from memrag.memory.ports import Embedder

PLAIN_FILE = "model.onnx"
FUSED_FILE = "model.fused.onnx"
INT8_FILE = "model.int8-per-channel.onnx"  # a new name: files of the earlier per-tensor variant are not reused
GRAPHS = {"plain": PLAIN_FILE, "fused": FUSED_FILE, "int8": INT8_FILE}

log = logging.getLogger("memrag.embedding")


def export_onnx(model_dir: Path, target: Path, graph: str) -> Path:
    """Write the `graph` variant ("plain", "fused" or "int8") of the transformer in `model_dir`
    under `target` (the plain export first, the others are made from it); reuse it if present."""
    plain, wanted = target / PLAIN_FILE, target / GRAPHS[graph]
    if wanted.exists():
        return wanted
    target.mkdir(parents=True, exist_ok=True)
    if not plain.exists():
        _export_fp32(model_dir, plain)
    if graph == "fused":
        eager = target / "model.eager.onnx"  # attention as plain operators: the fuser only knows that form
        _export_fp32(model_dir, eager, attention="eager")
        _fuse(eager, wanted, json.loads((model_dir / "config.json").read_text()))
        eager.unlink()
    if graph == "int8":
        from onnxruntime.quantization import QuantType, quantize_dynamic

        # One scale per tensor (and int8 embedding tables) moved vectors to cosine 0.96 of fp32's;
        # per channel, matrix products only: 0.993, at about half fp32's CPU time.
        quantize_dynamic(
            str(plain), str(wanted), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"]
        )
    return wanted


def _fuse(plain: Path, fused: Path, config: dict[str, Any]) -> None:
    """Rewrite the graph with ONNX Runtime's BERT fusions: attention, embedding + LayerNorm, bias +
    GELU, skip + LayerNorm as one operator each (fp32 kept: the same vectors within 1e-6 cosine)."""
    from onnxruntime.transformers.optimizer import optimize_model

    model = optimize_model(
        str(plain),
        model_type="bert",
        num_heads=int(config["num_attention_heads"]),
        hidden_size=int(config["hidden_size"]),
    )
    partial = fused.with_suffix(".partial")  # renamed when whole: a killed export leaves no half file
    model.save_model_to_file(str(partial))
    partial.replace(fused)


def _export_fp32(model_dir: Path, plain: Path, attention: str = "sdpa") -> None:
    """Trace the transformer with torch into `plain` (the only step that needs torch)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch = import_torch()  # not while spaCy is being imported with torch hidden
    from transformers import AutoModel

    model = _hidden_states_module(torch)(
        AutoModel.from_pretrained(str(model_dir), attn_implementation=attention).eval()
    )
    dummy = torch.ones((1, 8), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(
        model,
        (dummy, dummy, torch.zeros_like(dummy)),
        str(plain),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["last_hidden_state"],
        dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "last_hidden_state": axes},
        opset_version=17,
        dynamo=False,
    )


def _export_in_child(model_dir: Path, target: Path, graph: str) -> Path:
    """Export in a child process so that this process never loads torch (it costs ~400 MB)."""
    wanted = target / GRAPHS[graph]
    if not wanted.exists():
        command = [sys.executable, "-m", "memrag.memory.embedding.onnx", str(model_dir), str(target), graph]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0 or not wanted.exists():
            raise ModelError(f"ONNX export of {model_dir} failed: {done.stderr[-2000:]}")
    return wanted


def _graph_file(model_dir: Path, target: Path, graph: str) -> Path:
    """The exported graph; a fused one that cannot be made falls back to the plain export (same vectors)."""
    try:
        return _export_in_child(model_dir, target, graph)
    except ModelError as exc:
        if graph != "fused":
            raise
        log.warning("fusing the ONNX graph failed, using the plain export (slower): %s", str(exc)[-300:])
        return _export_in_child(model_dir, target, "plain")


def _hidden_states_module(torch: Any) -> Any:
    class HiddenStates(torch.nn.Module):  # type: ignore[misc]
        """Keyword call and a single output, for a clean trace of the encoder."""

        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    return HiddenStates


# Padded tokens per batch: 256 (MiniLM's longest input, so one such passage is a batch of its own)
# against 1024 before, chosen on musique-100, 2wiki-101 and hotpotqa-300 texts alike
# (`benchmarks/bench_token_budget.py`, two lanes): 70-95 MB less resident after embedding and 6-16 %
# less CPU per set on average (one musique-100 pair +1 %). The fp32 vectors came out the same to the
# bit at either budget there (x86-64 with AVX-512, ONNX Runtime 1.32); other kernels may round a
# padded batch differently (~1e-7), and int8 vectors change with their batch-mates whatever the
# budget. `bench_ingest --token-budgets 1024 256` gives ingestion's documents/s run after run. 128
# was no faster for ingestion and slower on passages.
TOKEN_BUDGET = 256


def token_budget_batches(lengths: Sequence[int], token_budget: int, max_batch: int) -> list[list[int]]:
    """Indices sorted by length, cut into batches whose padded size stays within the budget."""
    batches: list[list[int]] = []
    current: list[int] = []
    for index in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        width = max(lengths[index], 1)  # sorted ascending: the newest row is the widest
        if current and ((len(current) + 1) * width > token_budget or len(current) >= max_batch):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


class OnnxEmbedder:
    """Unit vectors from an ONNX export of the model; `quantize` gives the int8 variant, `fused`
    (fp32 only) the graph rewritten with fused operators instead of the plain export.

    With `lanes` > 1, an ingestion call's batches are shared by that many threads, each running whole
    batches on one single-threaded session (ONNX Runtime runs concurrent calls on one session): the
    same batches, so the same vectors. Queries (`for_queries`) run on a session of `threads` threads.
    Each session is made on first need (~90–130 MB each, `benchmarks/bench_embedder_memory.py`), so a
    process that only ingests holds the one and a process that only answers the other; on the lanes'
    single thread a query took 3.93 ms wall and CPU against 3.04 ms wall and 4.85 ms CPU on two, and
    the API kept fewer cores busy (README). Without lanes there is one session, made at once."""

    def __init__(
        self,
        model: str,
        export_dir: Path,
        quantize: bool = True,
        threads: int | None = None,
        fused: bool = False,
        batch_size: int = 256,
        token_budget: int = TOKEN_BUDGET,
        lanes: int = 1,
    ) -> None:
        from tokenizers import Tokenizer

        model_dir = Path(resolve_model_path(model))
        if not (model_dir / "tokenizer.json").exists():
            raise ModelError(f"{model_dir} has no tokenizer.json; the ONNX embedder needs a local model directory")
        max_length = int(json.loads((model_dir / "sentence_bert_config.json").read_text()).get("max_seq_length", 256))
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=max_length)
        self._tokenizer.no_padding()
        # Without lanes, one thread per core: ONNX Runtime's own default was measured ~2x slower per query.
        path = _graph_file(model_dir, export_dir, "int8" if quantize else "fused" if fused else "plain")
        self._lanes, self._serial, self._graph_path = Lanes(lanes), Lanes(1), path
        self._threads = threads or os.cpu_count() or 1
        self._sessions_lock = threading.Lock()
        self._lane_session: Any = None  # one thread, made at the first ingestion call (with lanes)
        self._session: Any = None if self._lanes.count > 1 else open_session(path, self._threads)
        # fp32 ONNX, fused or not, gives the torch model's vectors (cosine > 0.99999): same name, same cache entries
        self._name = f"{model}+onnx-int8-per-channel" if quantize else model
        self._batch_size = batch_size
        self._token_budget = token_budget
        self._dim = int(json.loads((model_dir / "config.json").read_text())["hidden_size"])

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Ingestion's calls: with lanes, every batch on the lanes' one-thread session; then the session's
        arena hands back what the call's batches left idle, by a one-token run (`arena_shrinkage`)."""
        limit_arenas()  # the hand-back needs glibc's mmap threshold fixed, or freed chunks fragment the heap
        lanes = self._lanes if self._lanes.count > 1 else self._serial
        session = self._one_thread_session() if lanes is self._lanes else self._threads_session()
        try:
            return self._embed_on(texts, session, lanes)
        finally:
            try:
                self._embed_batch(session, [[0]], arena_shrinkage())
            except Exception:  # memory kept, nothing lost: never an ingestion error, nor one in its place
                log.warning("the embedding session's idle arena memory could not be released", exc_info=True)

    def for_queries(self) -> Embedder:
        """This embedder as queries use it: every call on the session of `threads` threads, none in lanes."""
        return _OnQuerySession(self)

    def _embed_on(self, texts: Sequence[str], session: Any, lanes: Lanes) -> np.ndarray:
        """The texts' vectors, their batches run on `session` by `lanes` (one: the caller alone)."""
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        lengths = [len(e.ids) for e in encodings]
        batches = token_budget_batches(lengths, self._token_budget, self._batch_size)

        def embed_rows(rows: list[int]) -> None:
            out[rows] = self._embed_batch(session, [encodings[i].ids for i in rows])

        lanes.run(batches, embed_rows)  # each batch writes its own rows
        return out

    def close(self) -> None:
        """End the lanes' helper threads (the sessions go with the object)."""
        self._lanes.close()

    def _one_thread_session(self) -> Any:
        """The session the lanes share, opened on first need."""
        with self._sessions_lock:
            if self._lane_session is None:
                self._lane_session = open_session(self._graph_path, 1)
            return self._lane_session

    def _threads_session(self) -> Any:
        """The session on `threads` intra-op threads (queries; every call without lanes), opened on first need."""
        with self._sessions_lock:
            if self._session is None:
                self._session = open_session(self._graph_path, self._threads)
            return self._session

    def _embed_batch(self, session: Any, token_ids: list[list[int]], run_options: Any = None) -> np.ndarray:
        width = max(len(ids) for ids in token_ids)
        input_ids = np.zeros((len(token_ids), width), dtype=np.int64)
        mask = np.zeros_like(input_ids)
        for row, ids in enumerate(token_ids):
            input_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(input_ids)}
        hidden = np.asarray(session.run(["last_hidden_state"], feeds, run_options)[0])
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)


class _OnQuerySession(WrappingEmbedder):
    """An ONNX embedder whose calls all run on its session of `threads` threads (queries)."""

    def __init__(self, embedder: OnnxEmbedder) -> None:
        super().__init__(embedder)
        self._embedder = embedder

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._embedder._embed_on(texts, self._embedder._threads_session(), self._embedder._serial)


if __name__ == "__main__":
    export_onnx(Path(sys.argv[1]), Path(sys.argv[2]), graph=sys.argv[3])
