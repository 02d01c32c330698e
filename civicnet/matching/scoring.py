"""From texts to the issue's result objects: SDG scores, suggestions, clusters, reasons.

Cluster score = mix of (a) the SDG scores summed over the cluster's SDGs (the network's
cluster→SDG mapping) and (b) the text's similarity to the cluster's own description, then
blended with (c) a nearest-neighbour vote over the network's confirmed examples (few-shot).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field

import numpy as np

from .encoders import clean_text
from .model import SdgModel, text_language

GOALS = np.arange(1, 18)
# Defaults; training may overwrite them in the model's meta["scoring"].
DEFAULT_PARAMS = {
    "cluster_alpha": 0.6,     # weight of the SDG part vs the description part
    "cluster_tau": 0.05,      # softmax temperature over description similarities
    "fewshot_k": 7,           # neighbours considered
    "fewshot_tau": 0.05,      # softmax temperature over neighbour similarities
    "fewshot_floor": 0.35,    # similarity below which a neighbour says nothing
    "fewshot_cluster_weight": 0.6,
    "fewshot_sdg_weight": 0.2,
    "head_min_examples": 8,   # confirmations needed before a per-network cluster head is fitted
    "head_C": 4.0,
    "head_max_weight": 0.8,   # weight of that head once there are many confirmations
    "head_half_n": 20,        # ... reached half-way at this many confirmations
    "reasons_top": 3,         # goals explained besides the suggested ones
}


@dataclass(frozen=True)
class ClusterProfile:
    key: str
    name_ko: str
    name_en: str
    description_ko: str
    description_en: str
    sdgs: tuple[int, ...]

    @property
    def text(self) -> str:
        return f"{self.name_ko}. {self.description_ko}\n{self.name_en}. {self.description_en}"


@dataclass
class Examples:
    """Confirmed (or seed) examples of one network: vectors, SDG lists, cluster keys."""

    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    sdgs: list[tuple[int, ...]] = field(default_factory=list)
    clusters: list[tuple[str, ...]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.sdgs)

    def cluster_head(self, keys: list[str], params: dict):
        """A logistic-regression cluster head fitted on these examples (memoised), or None."""
        memo = self.__dict__.setdefault("_heads", {})
        key = tuple(keys)
        if key not in memo:
            memo[key] = _fit_cluster_head(self, keys, params)
        return memo[key]

    def extended(self, other: "Examples") -> "Examples":
        if not len(other):
            return self
        if not len(self):
            return other
        return Examples(np.vstack([self.vectors, other.vectors]), self.sdgs + other.sdgs,
                        self.clusters + other.clusters)


def examples_from_seed(seed: dict | None) -> Examples:
    """Seed examples shipped in the artefact, with their pre-fitted cluster head if any."""
    if not seed:
        return Examples()
    examples = Examples(np.asarray(seed["vectors"], dtype=np.float32), [tuple(s) for s in seed["sdgs"]],
                        [tuple(c) for c in seed["clusters"]])
    head = seed.get("cluster_head")
    if head:
        examples.__dict__["_heads"] = {tuple(head["keys"]): (np.asarray(head["coef"], dtype=np.float64),
                                                            np.asarray(head["bias"], dtype=np.float64),
                                                            float(head["weight"]))}
    return examples


@dataclass(frozen=True)
class NetworkProfile:
    slug: str
    clusters: tuple[ClusterProfile, ...]

    @property
    def fingerprint(self) -> str:
        raw = "|".join(f"{c.key}:{c.text}:{c.sdgs}" for c in self.clusters)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


_desc_lock = threading.Lock()
_desc_cache: dict[tuple[str, str], np.ndarray] = {}


def cluster_vectors(model: SdgModel, profile: NetworkProfile) -> np.ndarray:
    key = (model.encoder_name, profile.fingerprint)
    vecs = _desc_cache.get(key)
    if vecs is None:
        with _desc_lock:
            vecs = _desc_cache.get(key)
            if vecs is None:
                vecs = model.encode([c.text for c in profile.clusters]) if profile.clusters \
                    else np.zeros((0, 1), dtype=np.float32)
                _desc_cache[key] = vecs
    return vecs


def _fit_cluster_head(examples: Examples, keys: list[str], params: dict):
    col = {k: i for i, k in enumerate(keys)}
    rows, labels = [], []
    for i, cl in enumerate(examples.clusters):
        hit = next((col[k] for k in cl if k in col), None)
        if hit is not None:
            rows.append(i)
            labels.append(hit)
    if len(rows) < params["head_min_examples"] or len(set(labels)) < 2:
        return None
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=params["head_C"], max_iter=2000)
    clf.fit(examples.vectors[rows], np.asarray(labels))
    coef = np.zeros((len(keys), examples.vectors.shape[1]))
    bias = np.full(len(keys), -30.0)
    classes = clf.classes_.tolist()
    if len(classes) == 2:  # binary LR keeps one row: class 1 vs class 0
        coef[classes[1]], bias[classes[1]] = clf.coef_[0], clf.intercept_[0]
        coef[classes[0]], bias[classes[0]] = 0.0, 0.0
    else:
        for r, c in enumerate(classes):
            coef[c], bias[c] = clf.coef_[r], clf.intercept_[r]
    n = len(rows)
    weight = params["head_max_weight"] * n / (n + params["head_half_n"])
    return coef, bias, weight


def _softmax_rows(z: np.ndarray, tau: float) -> np.ndarray:
    z = z / tau
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fewshot_votes(vectors: np.ndarray, examples: Examples, cluster_keys: list[str],
                  params: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per text: SDG vote (n,17), cluster vote (n,K) and confidence in [0, 1] (n,)."""
    n = len(vectors)
    sdg_vote = np.zeros((n, 17))
    cl_vote = np.zeros((n, len(cluster_keys)))
    conf = np.zeros(n)
    if not len(examples) or not n:
        return sdg_vote, cl_vote, conf
    col = {k: i for i, k in enumerate(cluster_keys)}
    y_sdg = np.zeros((len(examples), 17))
    y_cl = np.zeros((len(examples), len(cluster_keys)))
    for i, goals in enumerate(examples.sdgs):
        for rank, g in enumerate(goals[:5]):
            y_sdg[i, g - 1] = 1.0 / (rank + 1)
        if goals:
            y_sdg[i] /= y_sdg[i].sum()
    for i, keys in enumerate(examples.clusters):
        hits = [col[k] for k in keys if k in col]
        for rank, j in enumerate(hits):
            y_cl[i, j] = 1.0 / (rank + 1)
        if hits:
            y_cl[i] /= y_cl[i].sum()
    sims = vectors @ examples.vectors.T  # (n, m)
    k = min(int(params["fewshot_k"]), sims.shape[1])
    top = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    top_sims = np.take_along_axis(sims, top, axis=1)
    weights = _softmax_rows(top_sims, params["fewshot_tau"])
    weights = np.where(top_sims >= params["fewshot_floor"], weights, 0.0)
    totals = weights.sum(axis=1, keepdims=True)
    safe = np.where(totals > 0, totals, 1.0)
    weights = weights / safe
    sdg_vote = np.einsum("nk,nkj->nj", weights, y_sdg[top])
    cl_vote = np.einsum("nk,nkj->nj", weights, y_cl[top])
    best = top_sims[:, 0]
    floor = params["fewshot_floor"]
    conf = np.clip((best - floor) / max(1e-6, 0.8 - floor), 0.0, 1.0) * (totals[:, 0] > 0)
    return sdg_vote, cl_vote, conf


def score_texts(model: SdgModel, texts: list[str], profile: NetworkProfile,
                examples: Examples | None = None, lang: str | None = None,
                vectors: np.ndarray | None = None) -> list[dict]:
    """Classify cleaned texts; returns one result object per text (the issue's shape)."""
    params = {**DEFAULT_PARAMS, **model.meta.get("scoring", {})}
    texts = [clean_text(t) for t in texts]
    if not texts:
        return []
    if vectors is None:
        vectors = model.encode(texts)
    probs = model.goal_probabilities(texts, vectors)
    has_content = np.array([any(ch.isalnum() for ch in t) for t in texts])

    keys = [c.key for c in profile.clusters]
    examples = examples if examples is not None else Examples()
    sdg_vote, cl_vote, conf = fewshot_votes(vectors, examples, keys, params)
    w_sdg = params["fewshot_sdg_weight"] * conf[:, None]
    probs = (1 - w_sdg) * probs + w_sdg * sdg_vote

    clusters = cluster_scores(model, profile, vectors, probs, params)
    if keys:
        head = examples.cluster_head(keys, params) if len(examples) else None
        if head is not None:
            coef, bias, weight = head
            learned = _softmax_rows(vectors @ coef.T + bias, 1.0)
            clusters = (1 - weight) * clusters + weight * learned
        else:
            w_cl = params["fewshot_cluster_weight"] * conf[:, None]
            clusters = (1 - w_cl) * clusters + w_cl * cl_vote

    target_sims = vectors @ model.target_vectors.T
    scale_ko = float(params.get("threshold_scale_ko", 1.0))
    results = []
    for i, text in enumerate(texts):
        p = probs[i]
        thresholds = model.thresholds * (scale_ko if text_language(text) == "ko" else 1.0)
        order = np.argsort(-p, kind="stable")
        sdgs = [{"goal": int(g + 1), "score": round(float(p[g]), 4)} for g in order]
        suggested = [int(g + 1) for g in order if p[g] >= thresholds[g]] if has_content[i] else []
        cl = []
        if keys:
            c_order = np.argsort(-clusters[i], kind="stable")
            cl = [{"key": keys[j], "score": round(float(clusters[i, j]), 4)} for j in c_order]
        reader = lang or text_language(text)
        explain = list(dict.fromkeys(suggested + [int(g + 1) for g in order[: params["reasons_top"]]]))
        reasons = ({str(g): model.closest_targets(vectors[i], g, reader, sims=target_sims[i]) for g in explain}
                   if has_content[i] else {})
        results.append({"sdgs": sdgs, "suggested": suggested, "clusters": cl, "reasons": reasons})
    return results


def cluster_scores(model: SdgModel, profile: NetworkProfile, vectors: np.ndarray, probs: np.ndarray,
                   params: dict) -> np.ndarray:
    if not profile.clusters:
        return np.zeros((len(vectors), 0))
    membership = np.zeros((17, len(profile.clusters)))
    for j, c in enumerate(profile.clusters):
        for g in c.sdgs:
            if 1 <= g <= 17:
                membership[g - 1, j] = 1.0
    sdg_part = probs @ membership  # probability mass of the cluster's SDGs
    sims = vectors @ cluster_vectors(model, profile).T
    desc_part = _softmax_rows(sims, params["cluster_tau"])
    # A cluster known only by its name says less than one with a description: the description
    # part weighs in proportion to how much text the network gives (full weight from ~80 chars).
    info = np.mean([min(1.0, (len(c.description_ko) + len(c.description_en)) / 80) for c in profile.clusters])
    a = 1 - (1 - params["cluster_alpha"]) * (0.3 + 0.7 * info)
    return a * sdg_part + (1 - a) * desc_part
