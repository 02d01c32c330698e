"""The trained SDG classifier: loading the artefact and scoring texts.

The artefact (``models/sdg_classifier.joblib`` + ``models/sdg_classifier.json``) holds

- an embedding head: multinomial logistic regression over the encoder's vectors,
- a lexical head: logistic regression over word and character n-gram TF-IDF,
- the per-language mix of both heads, the per-goal thresholds,
- SDG target texts (ko/en) with their vectors, for reasons,
- seed examples per network (vectors + SDGs + clusters) used like organiser confirmations.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..config import setting
from .encoders import FALLBACK_ENCODER, Encoder, clean_text, get_encoder, resolved_spec
from .lexical import LexicalFeatures

MODELS_DIR = Path(setting("CIVICNET_MODELS_DIR", Path(__file__).resolve().parents[2] / "models"))
ARTEFACT = "sdg_classifier.joblib"
META = "sdg_classifier.json"


def artefact_names(encoder_name: str | None = None) -> tuple[str, str]:
    """File names of the artefact for an encoder: USE (the fallback, any CPU) has the plain names,
    every other encoder (e5, the default where the CPU runs it) a suffix."""
    name = resolved_spec(encoder_name)
    if name == FALLBACK_ENCODER:
        return ARTEFACT, META
    safe = re.sub(r"[^A-Za-z0-9+_-]+", "_", name)[:60]
    return f"sdg_classifier-{safe}.joblib", f"sdg_classifier-{safe}.json"
_HANGUL = re.compile("[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_LETTER = re.compile(r"[^\W\d_]")
# Texts are cut to this many characters for the lexical head (the encoder chunks on its own).
LEXICAL_MAX_CHARS = 5000


def text_language(text: str) -> str:
    """'ko' when at least a fifth of the letters are Hangul, else 'en'."""
    letters = len(_LETTER.findall(text))
    if not letters:
        return "ko"
    return "ko" if len(_HANGUL.findall(text)) / letters >= 0.2 else "en"


@dataclass
class SdgModel:
    encoder_name: str
    emb_coef: np.ndarray          # (17, dim)
    emb_intercept: np.ndarray     # (17,)
    vectorizer: LexicalFeatures   # TF-IDF vocabularies and idf (no scikit-learn at run time)
    lex_coef: np.ndarray          # (n_features, 17)
    lex_intercept: np.ndarray     # (17,)
    mix: dict[str, float]         # language -> weight of the embedding head
    thresholds: np.ndarray        # (17,)
    target_codes: list[str]
    target_goals: np.ndarray      # (n_targets,)
    target_text: dict[str, list[str]]   # lang -> texts
    target_vectors: np.ndarray    # (n_targets, dim)
    seeds: dict[str, dict] = field(default_factory=dict)  # network slug -> examples
    meta: dict = field(default_factory=dict)
    # Ranking heads (main SDG only), beside the set heads above (every gold SDG): they rank the
    # goals; the set heads decide which further goals are pre-ticked. Older artefacts: None.
    rank_emb_coef: np.ndarray | None = None       # (17, dim)
    rank_emb_intercept: np.ndarray | None = None  # (17,)
    rank_lex_coef: np.ndarray | None = None       # (n_features, 17), the same features as lex_coef
    rank_lex_intercept: np.ndarray | None = None  # (17,)

    # --- scoring -----------------------------------------------------------------------
    def encode(self, texts: list[str], encoder: Encoder | None = None) -> np.ndarray:
        encoder = encoder or get_encoder(self.encoder_name)
        return encoder.encode(texts)

    def goal_probabilities(self, texts: list[str], vectors: np.ndarray,
                           lexical_logits: np.ndarray | None = None) -> np.ndarray:
        """(n, 17) probabilities (rows sum to 1) mixing the two heads per language."""
        p_emb = _softmax(vectors @ self.emb_coef.T + self.emb_intercept)
        p_lex = _softmax(self._lexical_logits(texts) if lexical_logits is None else lexical_logits)
        mix = self.meta.get("scoring", {}).get("set_mix") or self.mix  # the set heads' own mix, if any
        a = np.array([mix.get(text_language(t), mix["en"]) for t in texts])[:, None]
        return a * p_emb + (1 - a) * p_lex

    @property
    def has_ranking_heads(self) -> bool:
        return self.rank_emb_coef is not None and self.rank_lex_coef is not None

    def lexical_heads(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(coef, intercept) of the lexical set head, then of the ranking head if any."""
        heads = [(self.lex_coef, self.lex_intercept)]
        if self.has_ranking_heads:
            heads.append((self.rank_lex_coef, self.rank_lex_intercept))
        return heads

    def ranking_probabilities(self, texts: list[str], vectors: np.ndarray,
                              lexical_logits: np.ndarray) -> np.ndarray | None:
        """(n, 17) probabilities of the ranking heads (main SDG), mixed per language; None for
        artefacts without them (then the set heads rank too)."""
        if not self.has_ranking_heads:
            return None
        p_emb = _softmax(vectors @ self.rank_emb_coef.T + self.rank_emb_intercept)
        a = np.array([self.mix.get(text_language(t), self.mix["en"]) for t in texts])[:, None]
        return a * p_emb + (1 - a) * _softmax(lexical_logits)

    def _lexical_logits(self, texts: list[str]) -> np.ndarray:
        lex_in = [t[:LEXICAL_MAX_CHARS] for t in texts]
        return self.vectorizer.logits(lex_in, self.lex_coef, self.lex_intercept)

    def closest_targets(self, vector: np.ndarray, goal: int, lang: str, k: int = 2,
                        sims: np.ndarray | None = None) -> list[dict]:
        """The ``k`` targets of ``goal`` closest to ``vector`` (``sims``: precomputed similarities
        of the text to every target)."""
        idx = self._goal_targets().get(goal)
        if idx is None or not len(idx):
            return []
        s = sims[idx] if sims is not None else self.target_vectors[idx] @ vector
        best = idx[np.argsort(-s, kind="stable")[:k]]
        texts = self.target_text.get(lang) or self.target_text["en"]
        return [{"target": self.target_codes[i], "text": texts[i]} for i in best]

    def _goal_targets(self) -> dict[int, np.ndarray]:
        cached = self.__dict__.get("_by_goal")
        if cached is None:
            cached = {g: np.flatnonzero(self.target_goals == g) for g in range(1, 18)}
            self.__dict__["_by_goal"] = cached
        return cached


def _softmax(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def save_model(model: SdgModel, directory: Path = MODELS_DIR) -> None:
    import joblib

    directory.mkdir(parents=True, exist_ok=True)
    artefact, meta_name = artefact_names(model.encoder_name)
    payload = {k: getattr(model, k) for k in model.__dataclass_fields__ if k != "meta"}
    if not model.has_ranking_heads:  # keep artefacts without ranking heads loadable by older code
        payload = {k: v for k, v in payload.items() if not k.startswith("rank_")}
    joblib.dump(payload, directory / artefact, compress=("zlib", 3))
    (directory / meta_name).write_text(json.dumps(model.meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                  encoding="utf-8")


def load_model(directory: Path | None = None, encoder_name: str | None = None) -> SdgModel:
    """Load the artefact trained for ``encoder_name`` (default: the encoder ``CIVICNET_ENCODER``
    resolves to here: use by default; e5 in quality mode, or use where e5 cannot run)."""
    import joblib

    directory = Path(directory or MODELS_DIR)
    artefact, meta_name = artefact_names(encoder_name)
    payload = joblib.load(directory / artefact)
    meta = {}
    if (directory / meta_name).exists():
        meta = json.loads((directory / meta_name).read_text(encoding="utf-8"))
    return SdgModel(meta=meta, **payload)


_lock = threading.Lock()
_model: SdgModel | None = None


def get_model() -> SdgModel:
    """The process-wide model, loaded lazily once (thread-safe)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                # Load the encoder weights in a second thread while the artefact is read
                # (both mostly decompress outside the GIL): ~1 s off the start-up.
                spec = resolved_spec()  # e5 needs x86-64 + AVX2: otherwise USE, with one log line
                failed: list[BaseException] = []

                def warm() -> None:
                    try:
                        get_encoder(spec)
                    except BaseException as exc:  # re-raised below, in the caller's thread
                        failed.append(exc)

                loader = threading.Thread(target=warm, name="civicnet-encoder-load", daemon=True)
                loader.start()
                model = load_model(encoder_name=spec)
                loader.join()
                if failed:
                    raise failed[0]
                get_encoder(model.encoder_name)
                _model = model
    return _model


def reset_model(model: SdgModel | None = None) -> None:
    """Replace the cached model (after training, or in tests)."""
    global _model
    with _lock:
        _model = model


__all__ = ["SdgModel", "clean_text", "get_model", "load_model", "reset_model", "save_model", "text_language"]
