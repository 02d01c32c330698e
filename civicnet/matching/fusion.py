"""Late fusion of the two shipped artefacts: e5 (primary) and USE (secondary). An experiment,
off by default (``CIVICNET_FUSION=1`` turns it on where e5 runs): on the test splits it traded
top-1 for top-3 and did not improve the figures overall (see models/MODEL_CARD.md).

Both artefacts are trained on the same data with the same (shared, identical) lexical heads; they
differ in their embedding heads. The fused model scores a text with both and takes, per language,
the weighted mean of their goal probabilities (set heads) and of their ranking probabilities:
``w * e5 + (1 - w) * USE``. Everything else is the e5 artefact's: its encoder (the vectors stored
for groups and confirmations stay e5 ones), its pre-tick rule, seed examples, cluster scoring
(which reads the fused goal probabilities), reasons and closest targets. USE encodes a short text
in ~0.4-2 ms beside e5's ~20-100 ms, so the second opinion is cheap.

The weights (``models/sdg_fusion.json``) are chosen on out-of-fold scores of the training data
(the same 3 folds ``flask sdg train`` uses; never a test split):
``python -m civicnet.matching.fusion`` recomputes them (fitted heads come from the training cache).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from .encoders import get_encoder
from .model import MODELS_DIR, SdgModel, load_model, text_language

FUSION_FILE = "sdg_fusion.json"
PRIMARY, SECONDARY = "e5", "use"
WEIGHT_GRID = np.round(np.arange(0.0, 1.01, 0.1), 2)


@dataclass
class FusedModel(SdgModel):
    """The e5 artefact, with the USE artefact's heads averaged into its goal and ranking scores."""

    secondary: SdgModel | None = None
    weights: dict[str, float] = field(default_factory=dict)  # language -> weight of the primary (e5)

    @classmethod
    def of(cls, primary: SdgModel, secondary: SdgModel, weights: dict[str, float], info: dict | None = None):
        state = {f.name: getattr(primary, f.name) for f in fields(SdgModel)}
        # the fusion is part of the model's version (services.model_version digests meta)
        state["meta"] = {**primary.meta, "fusion": {"secondary": secondary.meta.get("encoder", secondary.encoder_name),
                                                     "weights": dict(weights), **(info or {})}}
        return cls(**state, secondary=secondary, weights=dict(weights))

    def _weights(self, texts: list[str]) -> np.ndarray:
        return np.array([self.weights.get(text_language(t), self.weights.get("en", 1.0)) for t in texts])[:, None]

    def _secondary_vectors(self, texts: list[str]) -> np.ndarray:
        """The secondary encoder's vectors of ``texts``: score_texts asks for goal and ranking
        probabilities of the same texts one after the other, so the last call's are kept (per thread)."""
        memo = self.__dict__.setdefault("_memo", threading.local())
        key = tuple(texts)
        if getattr(memo, "key", None) != key:
            memo.vectors = get_encoder(self.secondary.encoder_name).encode(list(texts))
            memo.key = key
        return memo.vectors

    def goal_probabilities(self, texts: list[str], vectors: np.ndarray,
                           lexical_logits: np.ndarray | None = None) -> np.ndarray:
        if lexical_logits is None:
            lexical_logits = self._lexical_logits(texts)
        own = super().goal_probabilities(texts, vectors, lexical_logits)
        # the lexical heads are the same in both artefacts (checked at load), so the logits serve both
        other = self.secondary.goal_probabilities(texts, self._secondary_vectors(texts), lexical_logits)
        w = self._weights(texts)
        return w * own + (1 - w) * other

    def ranking_probabilities(self, texts: list[str], vectors: np.ndarray,
                              lexical_logits: np.ndarray) -> np.ndarray | None:
        own = super().ranking_probabilities(texts, vectors, lexical_logits)
        other = self.secondary.ranking_probabilities(texts, self._secondary_vectors(texts), lexical_logits)
        if own is None or other is None:
            return own
        w = self._weights(texts)
        return w * own + (1 - w) * other


def same_lexical_heads(a: SdgModel, b: SdgModel) -> bool:
    """Both artefacts' lexical heads are one and the same (the fusion passes one set of lexical
    logits to both): true when they were trained together on the same data."""
    return a.has_ranking_heads and b.has_ranking_heads and all(
        x.shape == y.shape and np.array_equal(x, y)
        for x, y in ((a.lex_coef, b.lex_coef), (a.lex_intercept, b.lex_intercept),
                     (a.rank_lex_coef, b.rank_lex_coef), (a.rank_lex_intercept, b.rank_lex_intercept)))


def read_weights(directory: Path | None = None) -> dict | None:
    path = Path(directory or MODELS_DIR) / FUSION_FILE
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def load_fused(directory: Path | None = None, log: Callable[[str], None] | None = None) -> SdgModel:
    """The fused model; the e5 artefact alone when there is no fusion file or the two artefacts'
    lexical heads differ (then they were not trained together, and averaging would be unsound)."""
    primary = load_model(directory, encoder_name=PRIMARY)
    spec = read_weights(directory)
    if not spec:
        return primary
    secondary = load_model(directory, encoder_name=SECONDARY)
    if not same_lexical_heads(primary, secondary):
        import logging

        (log or logging.getLogger("civicnet.matching").warning)(
            "the e5 and USE artefacts were not trained together (lexical heads differ): e5 alone, no fusion")
        return primary
    return FusedModel.of(primary, secondary, spec["weights"], {"chosen_on": spec.get("chosen_on", "")})


# --- choosing the weights on out-of-fold scores --------------------------------------------------

def out_of_fold(spec: str, folds: int = 3) -> dict[str, np.ndarray]:
    """Out-of-fold probabilities of one encoder's heads on the training data, exactly as
    ``training.train`` computes them (same folds; fitted heads and vectors from the training cache)."""
    from sklearn.model_selection import StratifiedKFold

    from . import training as T

    T._limit_threads()
    encoder = get_encoder(spec)
    examples, _ = T._training_examples_and_dropped()
    texts = [e.text for e in examples]
    n_real = sum(e.source == "real-dev" for e in examples)
    vectors = T.cached_vectors(encoder, texts[:len(texts) - n_real])
    if n_real:
        vectors = np.vstack([vectors, T.cached_vectors(encoder, texts[len(texts) - n_real:])])
    y = np.array([e.sdgs[0] for e in examples])
    label_sets, weights = [e.sdgs for e in examples], T.example_weights(examples)
    kinds = {"set": T.SECONDARY_WEIGHT, "rank": 0.0}
    out = {f"{h}_{k}": np.zeros((len(texts), 17)) for h in ("emb", "lex") for k in kinds}
    fold_of = np.zeros(len(texts), dtype=int)
    for k, (tr, te) in enumerate(StratifiedKFold(n_splits=folds, shuffle=True, random_state=T.SEED).split(vectors, y)):
        fold_of[te] = k
        for kind, secondary in kinds.items():
            fitted = T._fit_heads([texts[i] for i in tr], vectors[tr], [label_sets[i] for i in tr], weights[tr],
                                  secondary)
            out[f"emb_{kind}"][te], out[f"lex_{kind}"][te] = T._head_proba(*fitted, [texts[i] for i in te],
                                                                           vectors[te])
    return {**out, "vectors": vectors, "fold_of": fold_of}


def mixed(oof: dict, model: SdgModel, texts: list[str], kind: str) -> np.ndarray:
    """An artefact's per-language mix of its out-of-fold embedding and lexical scores."""
    mix = model.mix if kind == "rank" else (model.meta.get("scoring", {}).get("set_mix") or model.mix)
    a = np.array([mix.get(text_language(t), mix["en"]) for t in texts])[:, None]
    return a * oof[f"emb_{kind}"] + (1 - a) * oof[f"lex_{kind}"]


def fusion_scores(rank: np.ndarray, probs: np.ndarray, examples, idx: list[int], rule: dict) -> dict:
    """Top-1 right, main SDG in top 3, pre-ticked set F1 (the artefact's rule) and macro-F1 of
    the pre-ticked sets over rows ``idx``."""
    from . import training as T

    idx = np.asarray(idx)
    order = np.argsort(-rank[idx], axis=1, kind="stable")
    gold = [examples[i].sdgs for i in idx]
    top1 = float(np.mean([order[r, 0] + 1 in g for r, g in enumerate(gold)]))
    top3 = float(np.mean([g[0] in order[r, :3] + 1 for r, g in enumerate(gold)]))
    mask = T._pretick_masks(probs[idx], np.asarray(rule["thresholds"]), rule["ratio"], rule["scale"],
                            first=order[:, 0])
    truth = T._truth(gold)
    return {"n": len(idx), "top1": top1, "top3": top3, "set_f1": T._set_f1(mask, truth),
            "macro_f1": T._macro_f1_mask(mask, truth)}


def choose_weights(log: Callable[[str], None] = print) -> dict:
    """Per language, the weight of e5 in the fused scores, on out-of-fold scores of the training
    data. Korean: the Korean-language written dev descriptions and the real dev descriptions
    (held-out folds), mean of top-1 right, main SDG in top 3 and pre-ticked set F1 (e5's rule,
    the shipped seeds' few-shot vote applied as training does). English: the TRAIL training
    texts, mean of top-1 accuracy and macro-F1 of the pre-ticked sets. Ties: the larger e5 weight."""
    from . import corpus
    from . import training as T

    started = time.time()
    primary, secondary = load_model(encoder_name=PRIMARY), load_model(encoder_name=SECONDARY)
    examples, _ = T._training_examples_and_dropped()
    texts = [e.text for e in examples]
    oof = {spec: out_of_fold(spec) for spec in (PRIMARY, SECONDARY)}
    log(f"out-of-fold scores of both encoders: {time.time() - started:.0f}s")
    dev = corpus.korean_examples("dev")
    dev_idx = [i for i, e in enumerate(examples) if e.source == "korean-dev"]
    votes = T.seed_vote_adjuster(oof[PRIMARY]["vectors"], dev_idx, dev, oof[PRIMARY]["fold_of"])
    parts = {spec: (mixed(oof[spec], m, texts, "rank"), mixed(oof[spec], m, texts, "set"))
             for spec, m in ((PRIMARY, primary), (SECONDARY, secondary))}
    sets = {"ko": [i for i, e in enumerate(examples) if e.source in ("korean-dev", "real-dev") and e.lang == "ko"],
            "en": [i for i, e in enumerate(examples) if e.source == "trail"]}
    pretick = primary.meta["scoring"]["pretick"]
    rules = {"ko": pretick["ko"], "en": {**pretick["en"], "thresholds": primary.thresholds}}
    table, weights = {}, {}
    for lang, idx in sets.items():
        best = None
        for w in sorted(WEIGHT_GRID, reverse=True):
            rank = votes(w * parts[PRIMARY][0] + (1 - w) * parts[SECONDARY][0])
            probs = votes(w * parts[PRIMARY][1] + (1 - w) * parts[SECONDARY][1])
            s = fusion_scores(rank, probs, examples, idx, rules[lang])
            s["objective"] = (s["top1"] + s["top3"] + s["set_f1"]) / 3 if lang == "ko" else (s["top1"] + s["macro_f1"]) / 2
            table[f"{lang}:{w:.1f}"] = {k: round(v, 4) if isinstance(v, float) else v for k, v in s.items()}
            log(f"  {lang} w(e5)={w:.1f}: " + ", ".join(f"{k} {v:.4f}" for k, v in s.items() if k != "n"))
            if best is None or s["objective"] > best[0] + 1e-9:
                best = (s["objective"], float(w))
        weights[lang] = best[1]
    return {"weights": weights, "chosen_on": "out-of-fold scores of the training data (3 folds as in training): "
            "ko = Korean written dev + real dev, en = TRAIL training texts", "oof": table,
            "primary": primary.meta.get("encoder"), "secondary": secondary.meta.get("encoder"),
            "training_data_sha256_16": primary.meta.get("training_data_sha256_16")}


def main() -> None:
    result = choose_weights()
    path = MODELS_DIR / FUSION_FILE
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"weights {result['weights']} -> {path}")


if __name__ == "__main__":
    main()
