"""From texts to the issue's result objects: SDG scores, suggestions, clusters, reasons.

Cluster score = mix of (a) the SDG scores summed over the cluster's SDGs (the network's
cluster→SDG mapping) and (b) the text's similarity to the cluster's own description, then
blended with (c) what the network's confirmed examples teach (few-shot): with few of them a
nearest-neighbour vote, with more two small per-network cluster heads, one over the sentence
vectors and one over the lexical features (Korean character n-grams carry words like 경로당 or
텃밭 that place a group better than its SDGs do).
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field

import numpy as np

from ..i18n import PARTICLES, particle
from .encoders import clean_text
from .lexical import LexicalFeatures
from .model import LEXICAL_MAX_CHARS, SdgModel, text_language

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
    "lexical_head_weight": 0.5,  # weight of the lexical cluster head (scaled like the other head)
    "lexical_head_C": 4.0,
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
    texts: list[str] = field(default_factory=list)  # for the lexical head; may be empty

    def __len__(self) -> int:
        return len(self.sdgs)

    def cluster_head(self, keys: list[str], params: dict):
        """A logistic-regression cluster head fitted on these examples (memoised), or None."""
        memo = self.__dict__.setdefault("_heads", {})
        key = tuple(keys)
        if key not in memo:
            memo[key] = _fit_cluster_head(self, keys, params)
        return memo[key]

    def lexical_head(self, keys: list[str], params: dict, model: SdgModel):
        """A cluster head over the model's lexical features (memoised per model), or None."""
        memo = self.__dict__.setdefault("_lexical_heads", {})
        key = (tuple(keys), id(model.vectorizer))
        if key not in memo:
            memo[key] = _fit_lexical_head(self, keys, params, model.vectorizer)
        return memo[key]

    def vote_targets(self, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per example, its SDGs and clusters as rank-weighted rows summing to 1 (memoised)."""
        memo = self.__dict__.setdefault("_vote_targets", {})
        if tuple(keys) not in memo:
            col = {k: i for i, k in enumerate(keys)}
            y_sdg = np.zeros((len(self), 17))
            y_cl = np.zeros((len(self), len(keys)))
            for i, goals in enumerate(self.sdgs):
                for rank, g in enumerate(goals[:5]):
                    y_sdg[i, g - 1] = 1.0 / (rank + 1)
                if goals:
                    y_sdg[i] /= y_sdg[i].sum()
            for i, cluster_keys in enumerate(self.clusters):
                hits = [col[k] for k in cluster_keys if k in col]
                for rank, j in enumerate(hits):
                    y_cl[i, j] = 1.0 / (rank + 1)
                if hits:
                    y_cl[i] /= y_cl[i].sum()
            memo[tuple(keys)] = (y_sdg, y_cl)
        return memo[tuple(keys)]

    def subset(self, idx) -> Examples:
        idx = list(idx)
        texts = [self.texts[i] for i in idx] if len(self.texts) == len(self) else []
        return Examples(self.vectors[idx], [self.sdgs[i] for i in idx], [self.clusters[i] for i in idx], texts)

    def extended(self, other: "Examples") -> "Examples":
        if not len(other):
            return self
        if not len(self):
            return other
        texts = self.texts + other.texts if len(self.texts) == len(self) and len(other.texts) == len(other) else []
        return Examples(np.vstack([self.vectors, other.vectors]), self.sdgs + other.sdgs,
                        self.clusters + other.clusters, texts)


def examples_from_seed(seed: dict | None, model: SdgModel | None = None) -> Examples:
    """Seed examples shipped in the artefact, with their pre-fitted cluster heads if any."""
    if not seed:
        return Examples()
    examples = Examples(np.asarray(seed["vectors"], dtype=np.float32), [tuple(s) for s in seed["sdgs"]],
                        [tuple(c) for c in seed["clusters"]], list(seed.get("texts", [])))
    head = seed.get("cluster_head")
    if head:
        examples.__dict__["_heads"] = {tuple(head["keys"]): (np.asarray(head["coef"], dtype=np.float64),
                                                            np.asarray(head["bias"], dtype=np.float64),
                                                            float(head["weight"]))}
    lexical = seed.get("lexical_head")
    if lexical and model is not None:
        examples.__dict__["_lexical_heads"] = {
            (tuple(lexical["keys"]), id(model.vectorizer)): (lexical["coef"], lexical["bias"], float(lexical["weight"]))}
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


def _cluster_rows(examples: Examples, keys: list[str]) -> tuple[list[int], list[int], list[float]]:
    """Training rows for a cluster head: an example with several acceptable clusters gives one
    row per cluster, weights summing to 1 (better than its first cluster only, by CV)."""
    col = {k: i for i, k in enumerate(keys)}
    rows, labels, weights = [], [], []
    for i, cl in enumerate(examples.clusters):
        hits = list(dict.fromkeys(col[k] for k in cl if k in col))
        for hit in hits:
            rows.append(i)
            labels.append(hit)
            weights.append(1.0 / len(hits))
    return rows, labels, weights


def _fit_rows(x, rows, labels, weights, keys: list[str], C: float, params: dict):
    """Multinomial LR on the rows; coefficients for every key (absent keys never win)."""
    n = len(set(rows))
    if n < params["head_min_examples"] or len(set(labels)) < 2:
        return None
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=C, max_iter=2000)
    clf.fit(x[rows], np.asarray(labels), sample_weight=np.asarray(weights))
    coef = np.zeros((len(keys), x.shape[1]))
    bias = np.full(len(keys), -30.0)
    classes = clf.classes_.tolist()
    if len(classes) == 2:  # binary LR keeps one row: class 1 vs class 0
        coef[classes[1]], bias[classes[1]] = clf.coef_[0], clf.intercept_[0]
        coef[classes[0]], bias[classes[0]] = 0.0, 0.0
    else:
        for r, c in enumerate(classes):
            coef[c], bias[c] = clf.coef_[r], clf.intercept_[r]
    return coef, bias, n / (n + params["head_half_n"])


def _fit_cluster_head(examples: Examples, keys: list[str], params: dict):
    rows, labels, weights = _cluster_rows(examples, keys)
    fitted = _fit_rows(examples.vectors, rows, labels, weights, keys, params["head_C"], params)
    if fitted is None:
        return None
    coef, bias, share = fitted
    return coef, bias, params["head_max_weight"] * share


def _fit_lexical_head(examples: Examples, keys: list[str], params: dict, lexical: LexicalFeatures):
    """Cluster head over the model's lexical features; (coef (n_features, K) float32, bias, weight)."""
    if not params.get("lexical_head_weight") or len(examples.texts) != len(examples) or not len(examples):
        return None
    rows, labels, weights = _cluster_rows(examples, keys)
    x = lexical.matrix([t[:LEXICAL_MAX_CHARS] for t in examples.texts])
    fitted = _fit_rows(x, rows, labels, weights, keys, params["lexical_head_C"], params)
    if fitted is None:
        return None
    coef, bias, share = fitted
    return np.ascontiguousarray(coef.T, dtype=np.float32), bias.astype(np.float32), params["lexical_head_weight"] * share


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
    y_sdg, y_cl = examples.vote_targets(cluster_keys)
    sims = vectors @ examples.vectors.T  # (n, m)
    k = min(int(params["fewshot_k"]), sims.shape[1])
    # The k most similar examples, best first (argpartition: no full sort over all examples).
    top = np.argpartition(-sims, k - 1, axis=1)[:, :k] if k < sims.shape[1] else np.tile(np.arange(k), (len(sims), 1))
    top_sims = np.take_along_axis(sims, top, axis=1)
    order = np.argsort(-top_sims, axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)
    top_sims = np.take_along_axis(top_sims, order, axis=1)
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
    keys = [c.key for c in profile.clusters]
    examples = examples if examples is not None else Examples()
    lexical = examples.lexical_head(keys, params, model) if keys and len(examples) else None
    # One pass over each text's lexical features for every lexical head: the set head, the
    # ranking head, the network's cluster head.
    heads = model.lexical_heads() + ([lexical[:2]] if lexical is not None else [])
    logits = model.vectorizer.logits_many([t[:LEXICAL_MAX_CHARS] for t in texts], heads)
    cluster_logits = logits[-1] if lexical is not None else None
    probs = model.goal_probabilities(texts, vectors, logits[0])
    rank = model.ranking_probabilities(texts, vectors, logits[1]) if model.has_ranking_heads else None
    has_content = np.array([any(ch.isalnum() for ch in t) for t in texts])

    sdg_vote, cl_vote, conf = fewshot_votes(vectors, examples, keys, params)
    w_sdg = params["fewshot_sdg_weight"] * conf[:, None]
    probs = (1 - w_sdg) * probs + w_sdg * sdg_vote
    rank = probs if rank is None else (1 - w_sdg) * rank + w_sdg * sdg_vote

    clusters = cluster_scores(model, profile, vectors, probs, params)
    if keys:
        head = examples.cluster_head(keys, params) if len(examples) else None
        if head is not None:
            coef, bias, weight = head
            vector_part = (_softmax_rows(vectors @ coef.T + bias, 1.0), weight)
        else:
            vector_part = (cl_vote, params["fewshot_cluster_weight"] * conf[:, None])
        lexical_part = (_softmax_rows(cluster_logits, 1.0), lexical[2]) if lexical is not None else None
        clusters = blend_cluster_heads(clusters, vector_part, lexical_part)

    target_sims = vectors @ model.target_vectors.T
    scale_ko = float(params.get("threshold_scale_ko", 1.0))
    results = []
    for i, text in enumerate(texts):
        p = probs[i]
        order = np.argsort(-rank[i], kind="stable")  # ranked (and scored) by the ranking heads
        sdgs = [{"goal": int(g + 1), "score": round(float(rank[i, g]), 4)} for g in order]
        suggested = pre_ticked(p, np.argsort(-p, kind="stable"), model.thresholds, text_language(text), params,
                               scale_ko, first=int(order[0])) if has_content[i] else []
        cl = []
        if keys:
            c_order = np.argsort(-clusters[i], kind="stable")
            cl = [{"key": keys[j], "score": round(float(clusters[i, j]), 4)} for j in c_order]
        reader = lang or text_language(text)
        explain = list(dict.fromkeys(suggested + [int(g + 1) for g in order[: params["reasons_top"]]]))
        reasons = {}
        if has_content[i]:
            words = leading_words(model, text, explain)
            reasons = {str(g): [{**t, "words": words.get(g, [])}
                                for t in model.closest_targets(vectors[i], g, reader, sims=target_sims[i])]
                       for g in explain}
        results.append({"sdgs": sdgs, "suggested": suggested, "clusters": cl, "reasons": reasons})
    return results


_WORD = re.compile(r"[^\W_][\w'’·-]*[^\W_]|[^\W\d_]", re.U)
MAX_EXPLAINED_WORDS = 60
WORD_MIN_LIFT = 2.0
WORD_SHARE = 0.6


_lift_lock = threading.Lock()
MAX_CACHED_WORDS = 200_000


def _word_lifts(model: SdgModel, words: list[str]) -> np.ndarray:
    """(len(words), 17): each word's lexical logits alone, above the mean over goals. Memoised per
    model (words repeat across a network's texts; ~100 bytes a word, bounded)."""
    cache = model.__dict__.setdefault("_word_lifts", {})
    missing = [w for w in words if w not in cache]
    if missing:
        logits = model.vectorizer.logits(missing, model.lex_coef, model.lex_intercept) - model.lex_intercept
        lifts = (logits - logits.mean(axis=1, keepdims=True)).astype(np.float32)
        with _lift_lock:
            if len(cache) + len(missing) > MAX_CACHED_WORDS:
                cache.clear()
            cache.update(zip(missing, lifts))
    return np.stack([cache[w] if w in cache else _word_lifts(model, [w])[0] for w in words])


def leading_words(model: SdgModel, text: str, goals: list[int], k: int = 3) -> dict[int, list[str]]:
    """Per goal, up to ``k`` words of ``text`` (as written, first occurrence order) that speak most
    for that goal: each distinct word is scored alone by the lexical head (its word, character
    n-gram and keyword features), as that goal's logit above the mean of all goals; only clear,
    distinctive words count (so 'monthly' or 'the' explain nothing)."""
    seen: dict[str, int] = {}
    for m in _WORD.finditer(text[:LEXICAL_MAX_CHARS]):
        word = m.group(0)
        if len(word) >= 2 and word.lower() not in seen and not word.isdigit():
            seen[word.lower()] = len(seen)
            if len(seen) >= MAX_EXPLAINED_WORDS:
                break
    if not seen or not goals:
        return {}
    words = list(seen)
    lift = _word_lifts(model, words)
    originals = {}
    for m in _WORD.finditer(text[:LEXICAL_MAX_CHARS]):
        originals.setdefault(m.group(0).lower(), m.group(0))
    # A word speaks for a goal when its lift there is clear (>= WORD_MIN_LIFT) and close to the
    # word's strongest goal (>= WORD_SHARE of it): 'river' explains SDG 6, not also SDG 14.
    strongest = lift.max(axis=1)
    out = {}
    for g in goals:
        col = lift[:, g - 1]
        col = np.where((col >= WORD_MIN_LIFT) & (col >= WORD_SHARE * strongest), col, -np.inf)
        best = [j for j in np.argsort(-col, kind="stable")[:k] if np.isfinite(col[j])]
        shown = (bare_word(model, originals.get(words[j], words[j])) for j in sorted(best, key=lambda j: seen[words[j]]))
        out[g] = list(dict.fromkeys(shown))  # 마을 and 마을의 show as one word
    return out


# Particles and the plural 들 a Korean word carries in running text, longest first.
_ENDINGS = sorted({"을", "를", "이", "가", "은", "는", "의", "에", "에서", "에게", "께", "한테", "으로", "로",
                   "과", "와", "도", "만", "까지", "부터", "이나", "나", "랑", "이랑", "에는", "에서는", "과의",
                   "와의", "으로의", "로의", "들", "들을", "들이", "들은", "들의", "들에게", "들과", "들도"},
                  key=len, reverse=True)


def bare_word(model: SdgModel, word: str) -> str:
    """``word`` as the reader names the thing: "쓰레기를" -> "쓰레기". A trailing particle is cut
    only when the rest is a word of the lexical vocabulary, more common there than the whole,
    and the particle is the form that rest takes (을 after a final consonant, 를 after a vowel):
    마을, 어린이 and 전문가 stay whole. Otherwise ``word`` as written."""
    if len(word) < 3 or not "\uac00" <= word[-1] <= "\ud7a3":
        return word
    block = next((b for b in model.vectorizer.blocks if getattr(b, "kind", "") == "word"), None)
    if block is None:
        return word
    vocab, idf = block.vocabulary, block.idf
    whole = vocab.get(word.lower())
    for ending in _ENDINGS:
        rest = word[: -len(ending)]
        if not word.endswith(ending) or len(rest) < 2:
            continue
        first = "들" if ending.startswith("들") else ending
        if first in PARTICLES and particle(rest, first) != first:
            continue
        known = vocab.get(rest.lower())
        if known is not None and (whole is None or idf[known] < idf[whole]):
            return rest
    return word


def pre_ticked(p: np.ndarray, order: np.ndarray, thresholds: np.ndarray, lang: str, params: dict,
               scale_ko: float = 1.0, first: int | None = None) -> list[int]:
    """The goals to pre-tick, best first (``p``: the set heads' scores, ``order`` their ranking).

    Models trained with a pre-tick rule (``params["pretick"]``, per language): the top goal
    (``first``, 0-based: the ranking heads' top goal; default the top of ``order``), then each
    further goal (at most ``pretick_max`` in all) scoring at least ``ratio`` x the top score and
    ``scale`` x its own threshold. Older artefacts: every goal at or above its threshold.
    """
    rule = (params.get("pretick") or {}).get(lang)
    if not rule:
        thr = thresholds * (scale_ko if lang == "ko" else 1.0)
        return [int(g + 1) for g in order if p[g] >= thr[g]]
    if rule.get("thresholds"):  # this language's own per-goal thresholds
        thresholds = np.asarray(rule["thresholds"])
    top = p[order[0]]
    limit = int(params.get("pretick_max", 4))
    head = int(order[0]) if first is None else int(first)
    rest = [int(g) for g in order if g != head][:limit - 1]
    return [head + 1] + [g + 1 for g in rest if p[g] >= rule["ratio"] * top and p[g] >= rule["scale"] * thresholds[g]]


def blend_cluster_heads(clusters: np.ndarray, vector_part: tuple | None, lexical_part: tuple | None) -> np.ndarray:
    """The cluster scores with a network's two heads blended in: first the head over vectors (or
    the neighbours' vote), then the head over words. Each part is (probabilities, weight) or None.
    Training tunes the weights through this same function."""
    for part in (vector_part, lexical_part):
        if part is not None:
            learned, weight = part
            clusters = (1 - weight) * clusters + weight * learned
    return clusters


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
