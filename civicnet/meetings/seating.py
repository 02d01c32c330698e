"""Table stage of the breakout assignment: seat one pool's groups at its tables, mixed and balanced.

Pure NumPy, no database (``assignment.solve`` calls it once per pool of clusters). The table
part of the objective, per open table: ``kinds`` x different kinds of group + ``partner`` x groups
with at least one complementary group at the table - ``size`` x people beyond +-1 of the target
size - ``few`` x groups missing under the minimum. Two groups that share an umbrella body or a
person (a conflict key) never share a table; seats are never exceeded; locked groups stay.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp


@dataclass(frozen=True)
class Weights:
    """What the table stage values, in the units of the cluster fit (shown to organisers)."""

    kinds: float = 1.0     # per different kind of group at a table
    partner: float = 1.0   # per group sitting with at least one complementary group
    size: float = 1.0      # per person beyond +-1 of the table's target size
    few: float = 2.0       # per group missing under the minimum groups at a table


@dataclass(frozen=True)
class TableTarget:
    """The organiser's target for a table (per meeting)."""

    min_people: int = 6
    max_people: int = 8
    min_groups: int = 3


# Local search: passes over the tables that fall short, and tables tried against each of them.
MAX_PASSES = 4
CANDIDATE_TABLES = 12
# ... and at most this many table evaluations per group of the pool (same input, same work, same result).
EVALUATIONS_PER_GROUP = 10
# Pools of at most this many groups are seated from RESTARTS greedy orders (cheap at that size) ...
SMALL_POOL = 80
RESTARTS = 10
# ... and those of at most EXACT_POOL groups are then solved exactly (MILP, HiGHS), which also
# proves a tighter bound than the counting one.
EXACT_POOL = 24
EXACT_SECONDS = 1.0


def complement_matrix(goals: np.ndarray, kinds: np.ndarray, keys: list[tuple]) -> np.ndarray:
    """comp[i, j]: i and j are different kinds of group sharing an SDG and may sit together."""
    g = goals.astype(np.float32)
    comp = (g @ g.T > 0) & (kinds[:, None] != kinds[None, :])
    np.fill_diagonal(comp, False)
    for a, b in conflict_pairs(keys):
        comp[a, b] = comp[b, a] = False
    return comp


def conflict_pairs(keys: list[tuple]) -> list[tuple[int, int]]:
    by_key: dict = {}
    for i, ks in enumerate(keys):
        for k in ks:
            by_key.setdefault(k, []).append(i)
    return [(a, b) for members in by_key.values() for x, a in enumerate(members) for b in members[x + 1:]]


def tables_needed(people: int, groups: int, seats: list[int], target: TableTarget) -> int:
    """How many tables (of ``seats``, in opening order) a pool's attendance needs.

    Towards the middle of the target size, at most ``max_people`` a table, but no more tables than
    give every table ``min_groups`` groups, unless the seats demand more.
    """
    if people <= 0 or not seats:
        return 0
    middle = (target.min_people + target.max_people) / 2
    by_size = max(int(np.ceil(people / max(1, min(target.max_people, max(seats))))),
                  int(round(people / middle)))
    by_groups = max(1, groups // max(1, target.min_groups))
    # The fewest tables whose seats hold everybody.
    cumulative = np.cumsum(seats)
    by_seats = int(np.searchsorted(cumulative, people) + 1) if cumulative[-1] >= people else len(seats)
    return int(min(len(seats), max(by_seats, min(by_size, by_groups), 1)))


def viable(people: int, groups: int, seats: list[int], target: TableTarget) -> bool:
    """Can a pool fill its tables: enough people and groups for one table, and enough groups to give
    every table its seats demand the minimum number of groups?"""
    if groups < target.min_groups or people < target.min_people:
        return False
    n = tables_needed(people, groups, seats, target)
    return n * target.min_groups <= groups


class Pool:
    """One pool's tables during the table stage (indices are local to the pool)."""

    def __init__(self, sizes, kinds, goals, keys, seats, target: TableTarget, weights: Weights, comp=None):
        self._args = (sizes, kinds, goals, keys, seats, target, weights)
        self.sizes = np.asarray(sizes, dtype=float)
        self.kinds = np.asarray(kinds, dtype=int)
        self.keys = keys
        self.seats = np.asarray(seats, dtype=float)
        self.target, self.weights = target, weights
        self.comp = complement_matrix(goals, self.kinds, keys) if comp is None else comp
        # The same relation as Python integers (bit j of row i), for the local search's many small tables.
        self._bits = [int.from_bytes(np.packbits(row, bitorder="little").tobytes(), "little") for row in self.comp]
        self._kind = self.kinds.tolist()
        self._size = self.sizes.tolist()
        self._can_pair = self.comp.any(axis=1).tolist()
        self.n_groups = len(self.sizes)
        t = len(self.seats)
        self.members: list[list[int]] = [[] for _ in range(t)]
        self.table_of = np.full(self.n_groups, -1)
        self.load = np.zeros(t)
        self.count = np.zeros(t, dtype=int)
        n_kinds = int(self.kinds.max()) + 1 if self.n_groups else 1
        self.kind_count = np.zeros((t, n_kinds), dtype=int)
        self.key_count: list[Counter] = [Counter() for _ in range(t)]
        self.key_tables: dict = {}  # key -> tables holding it (greedy only)
        # [table, group]: complementary groups at the table; those of them still without a partner.
        self.partners_at = np.zeros((t, self.n_groups), dtype=np.int32)
        self.lonely_at = np.zeros((t, self.n_groups), dtype=np.int32)
        self.partnered = np.zeros(self.n_groups, dtype=bool)
        self.locked = np.zeros(self.n_groups, dtype=bool)
        self.open = np.zeros(t, dtype=bool)
        self.tau = self.low = self.high = 0.0
        self.min_groups = 0
        self.evaluations = 0
        self.proven_bound: float | None = None

    def fresh(self) -> Pool:
        """The same pool with nobody seated (reuses the complement matrix)."""
        return Pool(*self._args, comp=self.comp)

    # --- the objective ---------------------------------------------------------------------

    def set_target(self, people: float, groups: int) -> None:
        """Target size: the pool's people over its open tables; a table is on target within one
        person of the whole numbers around it (30 people at 4 tables: 6 to 9 each)."""
        n = max(int(self.open.sum()), 1)
        self.tau = people / n
        self.low, self.high = float(np.floor(self.tau)) - 1.0, float(np.ceil(self.tau)) + 1.0
        self.min_groups = min(self.target.min_groups, groups // n)

    def excess(self, load):
        """People beyond the target range (array or number)."""
        return np.maximum(0.0, np.maximum(self.low - load, load - self.high))

    def value(self, members: list[int], load: float) -> float:
        """The table part of the objective for one open table holding ``members`` (plain Python:
        called for every move the local search weighs)."""
        w = self.weights
        value = (-w.size * max(0.0, self.low - load, load - self.high)
                 - w.few * max(0, self.min_groups - len(members)))
        if members:
            kind, bits = self._kind, self._bits
            value += w.kinds * len({kind[m] for m in members})
            if len(members) > 1:
                mask = 0
                for m in members:
                    mask |= 1 << m
                value += w.partner * sum(1 for m in members if bits[m] & mask)
        return value

    def total(self) -> float:
        return sum(self.value(m, self.load[t]) for t, m in enumerate(self.members) if self.open[t])

    def bound(self) -> float:
        """Upper bound of ``total`` for the open tables: each kind at no more tables than it has groups,
        each group with a partner if its pool holds one, no penalty (or the exact solver's bound)."""
        n = int(self.open.sum())
        kinds = np.bincount(self.kinds, minlength=1) if self.n_groups else np.zeros(1, dtype=int)
        counting = (self.weights.kinds * float(np.minimum(kinds, n).sum())
                    + self.weights.partner * float(self.comp.any(axis=1).sum()))
        return min(counting, self.proven_bound) if self.proven_bound is not None else counting

    def solve_exactly(self) -> None:
        """The table stage of this pool as a MILP over its open tables (HiGHS, time-limited): takes
        its solution if better and keeps its proven bound. Variables x[i,t] (group i at table t),
        y[k,t] (kind k present), w[i,t] (i at t with a complementary group), e[t], f[t] (penalties)."""
        w = self.weights
        tables = np.flatnonzero(self.open)
        n, m = self.n_groups, len(tables)
        kinds = np.unique(self.kinds)
        nk = len(kinds)
        nx, ny, nw = n * m, nk * m, n * m
        total = nx + ny + nw + 2 * m
        xi = lambda i, t: i * m + t  # noqa: E731
        yi = lambda k, t: nx + k * m + t  # noqa: E731
        wi = lambda i, t: nx + ny + i * m + t  # noqa: E731
        ei = lambda t: nx + ny + nw + t  # noqa: E731
        fi = lambda t: nx + ny + nw + m + t  # noqa: E731
        cost = np.zeros(total)
        cost[nx:nx + ny] = -w.kinds
        cost[nx + ny:nx + ny + nw] = -w.partner
        cost[nx + ny + nw:nx + ny + nw + m] = w.size
        cost[nx + ny + nw + m:] = w.few
        rows, cols, vals, lo, hi = [], [], [], [], []

        def add(entries, low, high):
            r = len(lo)
            for c, v in entries:
                rows.append(r)
                cols.append(c)
                vals.append(v)
            lo.append(low)
            hi.append(high)

        for i in range(n):
            add([(xi(i, t), 1.0) for t in range(m)], 1, 1)
        for t, table in enumerate(tables):
            add([(xi(i, t), self.sizes[i]) for i in range(n)], 0, self.seats[table])
            add([(ei(t), 1.0)] + [(xi(i, t), self.sizes[i]) for i in range(n)], self.low, np.inf)
            add([(ei(t), -1.0)] + [(xi(i, t), self.sizes[i]) for i in range(n)], -np.inf, self.high)
            add([(fi(t), 1.0)] + [(xi(i, t), 1.0) for i in range(n)], self.min_groups, np.inf)
            for k_pos, k in enumerate(kinds):
                add([(yi(k_pos, t), 1.0)] + [(xi(i, t), -1.0) for i in np.flatnonzero(self.kinds == k)], -np.inf, 0)
            for i in range(n):
                add([(wi(i, t), 1.0), (xi(i, t), -1.0)], -np.inf, 0)
                add([(wi(i, t), 1.0)] + [(xi(j, t), -1.0) for j in np.flatnonzero(self.comp[i])], -np.inf, 0)
            for a, b in conflict_pairs(self.keys):
                add([(xi(a, t), 1.0), (xi(b, t), 1.0)], -np.inf, 1)
        lower, upper = np.zeros(total), np.ones(total)
        upper[nx + ny + nw:] = np.inf
        for i in np.flatnonzero(self.locked):
            t = int(np.flatnonzero(tables == self.table_of[i])[0])
            lower[xi(i, t)] = 1
        a = sparse.csr_array((vals, (rows, cols)), shape=(len(lo), total))
        integrality = np.zeros(total)
        integrality[:nx] = 1
        res = milp(cost, integrality=integrality, bounds=Bounds(lower, upper),
                   constraints=[LinearConstraint(a, lo, hi)],
                   options={"time_limit": EXACT_SECONDS, "mip_rel_gap": 1e-6})
        if res.get("mip_dual_bound") is not None and np.isfinite(res.mip_dual_bound):
            self.proven_bound = -float(res.mip_dual_bound) + 1e-9
        if res.x is None or -res.fun <= self.total() + 1e-9:
            return
        x = res.x[:nx].reshape(n, m) > 0.5
        for i in range(n):
            target = int(tables[int(np.argmax(x[i]))])
            if target != self.table_of[i]:
                self._move(i, target)

    # --- changes -----------------------------------------------------------------------------

    def _fits(self, i: int, t: int, leaving: int | None = None) -> bool:
        load = self.load[t] + self.sizes[i] - (self.sizes[leaving] if leaving is not None else 0)
        if load > self.seats[t]:
            return False
        counts = self.key_count[t]
        for k in self.keys[i]:
            held = counts.get(k, 0) - (1 if leaving is not None and k in self.keys[leaving] else 0)
            if held > 0:
                return False
        return True

    def place(self, i: int, t: int) -> None:
        """Seat ``i`` at ``t`` keeping the greedy's counters (partners, lonely groups) up to date."""
        comp_i = self.comp[i]  # symmetric
        newly = [j for j in self.members[t] if comp_i[j] and not self.partnered[j]]
        self._seat(i, t)
        for k in self.keys[i]:
            self.key_tables.setdefault(k, set()).add(t)
        has_partner = self.partners_at[t, i] > 0
        self.partners_at[t] += comp_i
        self.partnered[i] = has_partner
        if not has_partner:
            self.lonely_at[t] += comp_i
        for j in newly:
            self.partnered[j] = True
            self.lonely_at[t] -= self.comp[j]

    def _move(self, i: int, t: int) -> None:
        """Move (local search; the greedy's counters are not kept beyond this point)."""
        old = self.table_of[i]
        self.members[old].remove(i)
        self.load[old] -= self.sizes[i]
        self.count[old] -= 1
        self.kind_count[old, self.kinds[i]] -= 1
        self.key_count[old].subtract(self.keys[i])
        self._seat(i, t)

    def _seat(self, i: int, t: int) -> None:
        """The counters every seating keeps: members, load, group count, kinds and keys."""
        self.members[t].append(i)
        self.table_of[i] = t
        self.load[t] += self.sizes[i]
        self.count[t] += 1
        self.kind_count[t, self.kinds[i]] += 1
        self.key_count[t].update(self.keys[i])

    # --- the two phases ----------------------------------------------------------------------

    def greedy(self, order: list[int], spare: list[int]) -> list[int]:
        """Largest groups first, each onto the open table where it adds most; opens a spare table
        only when a group fits nowhere. Returns the groups no table can take."""
        w = self.weights
        unplaced = []
        # The part of each table's gain that depends only on the group's size, kept per size and
        # updated for the one table that changes.
        base = {}

        def size_gain(size: float, t=slice(None)):
            load = self.load[t]
            return (-w.size * (self.excess(load + size) - self.excess(load))
                    + w.few * (self.count[t] < self.min_groups) - 1e-3 * load)  # ties: the emptier table

        for size in set(self._size):
            base[size] = size_gain(size)
        for i in order:
            while True:
                feasible = self.open & (self.load + self.sizes[i] <= self.seats)
                for k in self.keys[i]:
                    for t in self.key_tables.get(k, ()):
                        feasible[t] = False
                if feasible.any() or not spare:
                    break
                self.open[spare.pop(0)] = True
            if not feasible.any():
                unplaced.append(i)
                continue
            gain = (base[self._size[i]] + w.kinds * (self.kind_count[:, self.kinds[i]] == 0)
                    + w.partner * ((self.partners_at[:, i] > 0) + self.lonely_at[:, i]))
            gain[~feasible] = -np.inf
            t = int(np.argmax(gain))
            self.place(i, t)
            for size in base:
                base[size][t] = size_gain(size, t)
        return unplaced

    def _short(self, t: int, kinds_missing: bool) -> bool:
        """Can table ``t`` still gain: off size, too few groups, a kind twice while some kind is at
        fewer tables than it could be, or a group without a partner although its pool has one?"""
        members = self.members[t]
        if not self.low <= self.load[t] <= self.high or len(members) < self.min_groups:
            return True
        if kinds_missing and len({self._kind[m] for m in members}) < len(members):
            return True
        mask = 0
        for m in members:
            mask |= 1 << m
        return any(self._can_pair[m] and not self._bits[m] & mask for m in members)

    def _kinds_missing(self) -> bool:
        n = int(self.open.sum())
        at_tables = (self.kind_count[self.open] > 0).sum(axis=0)
        return bool((at_tables < np.minimum(np.bincount(self.kinds, minlength=len(at_tables)), n)).any())

    def _candidates(self, t1: int, rng: np.random.Generator) -> list[int]:
        open_tables = np.flatnonzero(self.open)
        others = open_tables[open_tables != t1]
        if len(others) <= CANDIDATE_TABLES:
            return others.tolist()
        chosen: list[int] = []
        # Tables where a group of t1 without a partner would have one.
        for i in self.members[t1]:
            at = self.table_of[self.comp[i]]
            at = at[(at >= 0) & (at != t1)]
            if len(at):
                chosen.extend(np.unique(at)[:3].tolist())
        # Tables off target the other way.
        deviation = self.load[others] - self.tau
        side = -1 if self.load[t1] > self.tau else 1
        chosen.extend(others[np.argsort(-side * deviation, kind="stable")[:4]].tolist())
        chosen.extend(rng.choice(others, size=4, replace=False).tolist())
        return list(dict.fromkeys(c for c in chosen if c != t1))[:CANDIDATE_TABLES]

    def improve(self, seed: int = 0, budget: int = 10**9) -> None:
        """Moves and swaps between two tables while they raise the objective (first tables that
        fall short of their own best, then any partner tables); locked groups stay."""
        rng = np.random.default_rng(seed)
        for _ in range(MAX_PASSES):
            improved = False
            kinds_missing = self._kinds_missing()
            for t1 in np.flatnonzero(self.open):
                if self.evaluations > budget:
                    return
                if not self._short(t1, kinds_missing):
                    continue
                best, best_move = 1e-9, None
                v1 = self.value(self.members[t1], self.load[t1])
                for t2 in self._candidates(t1, rng):
                    self.evaluations += 2 * len(self.members[t1]) * (len(self.members[t2]) + 1)
                    v2 = self.value(self.members[t2], self.load[t2])
                    for i in self.members[t1]:
                        if self.locked[i]:
                            continue
                        rest1 = [m for m in self.members[t1] if m != i]
                        if self._fits(i, t2):
                            delta = (self.value(rest1, self.load[t1] - self.sizes[i])
                                     + self.value(self.members[t2] + [i], self.load[t2] + self.sizes[i]) - v1 - v2)
                            if delta > best:
                                best, best_move = delta, (i, None, t2)
                        for j in self.members[t2]:
                            if self.locked[j] or not (self._fits(i, t2, leaving=j) and self._fits(j, t1, leaving=i)):
                                continue
                            shift = self.sizes[j] - self.sizes[i]
                            rest2 = [m for m in self.members[t2] if m != j]
                            delta = (self.value(rest1 + [j], self.load[t1] + shift)
                                     + self.value(rest2 + [i], self.load[t2] - shift) - v1 - v2)
                            if delta > best:
                                best, best_move = delta, (i, j, t2)
                if best_move is not None:
                    i, j, t2 = best_move
                    self._move(i, t2)
                    if j is not None:
                        self._move(j, t1)
                    improved = True
            if not improved:
                break


def seat_pool(*, sizes, kinds, goals, keys, seats, n_open: int, locked_at: dict[int, int],
              target: TableTarget, weights: Weights, seed: int = 0) -> tuple[np.ndarray, list[int], Pool]:
    """Seat a pool's groups at its tables (``seats`` in opening order; the first ``n_open`` and any
    table holding a locked group are opened, the rest opened only if a group fits nowhere).

    ``locked_at``: {group: table} kept as they are. Returns (table per group or -1, unplaced, the pool).
    Small pools (a real meeting's) are seated from several greedy orders and the best kept.
    """
    groups = len(sizes)
    rng = np.random.default_rng(seed)
    best = None
    restarts = RESTARTS if groups <= SMALL_POOL else 1
    for attempt in range(restarts):
        pool = Pool(sizes, kinds, goals, keys, seats, target, weights) if best is None else best[2].fresh()
        # Tables holding a locked group open first; then the first others, up to ``n_open``.
        for t in set(locked_at.values()):
            pool.open[t] = True
        for t in range(len(pool.seats)):
            if pool.open.sum() >= n_open:
                break
            pool.open[t] = True
        pool.set_target(float(pool.sizes.sum()), groups)
        for i, t in locked_at.items():
            pool.place(i, t)
            pool.locked[i] = True
        frequency = np.bincount(pool.kinds, minlength=1) if groups else np.zeros(1)
        free = [i for i in range(groups) if i not in locked_at]
        # Largest first (balance), rarest kinds first among equals (they spread), then input order;
        # further attempts break the ties at random.
        tie = rng.random(groups) if attempt else np.arange(groups)
        order = sorted(free, key=lambda i: (-pool.sizes[i], frequency[pool.kinds[i]] if not attempt else 0, tie[i]))
        spare = [t for t in range(len(pool.seats)) if not pool.open[t]]
        unplaced = pool.greedy(order, spare)
        pool.set_target(float(pool.sizes[pool.table_of >= 0].sum()), groups - len(unplaced))
        pool.improve(seed + attempt, budget=EVALUATIONS_PER_GROUP * groups + 2000)
        score = (-len(unplaced), pool.total())
        if best is None or score > best[0]:
            best = (score, unplaced, pool)
    _score, unplaced, pool = best
    if not unplaced and 0 < groups <= EXACT_POOL and pool.total() < pool.bound() - 1e-9:
        pool.solve_exactly()
    return pool.table_of.copy(), unplaced, pool
