"""Breakout assignment: every attending organisation gets one table, tables follow attendance.

Pure numerics (NumPy + SciPy/HiGHS), no database: ``breakouts.run_assignment`` builds the inputs.

The objective (all weights in ``Weights``, shown to organisers on the breakout page) is

    fit of each seated group to its cluster                       (cluster stage)
  - UNSEATED_PENALTY per person left without a seat
  + kinds  x number of different kinds of group at each table     (table stage)
  + partner x groups sitting with at least one complementary group
            (another kind of group sharing an SDG, as the partner suggestions score it)
  - size   x people beyond +-1 of the table's target size
  - few    x groups missing under the minimum number of groups at a table

with hard limits: seats, locked groups stay, and two groups of the same umbrella body or with the
same person never share a table.

1. **Cluster stage** (organisation -> cluster) maximises fit under each cluster's seats; a
   transportation LP solved with HiGHS, its few fractional organisations settled by a small MILP
   (see ``_cluster_stage``). Its LP optimum bounds the fit part.
2. **Pools.** A cluster whose groups cannot fill a table (fewer people or groups than the target,
   or too few groups to give every table it would need the minimum number) is merged into the
   cluster it shares most SDGs with; ``Solution.merges`` says which and why. Merged groups keep
   their own cluster's fit (they sit at a shared table), so the bound stays valid.
3. **Tables follow attendance.** Each pool opens only as many tables as its people need
   (``tables_needed``); the others stay spare.
4. **Table stage** (``seating.seat_pool``): greedy in order of size, then swaps and moves between
   tables while they improve the objective. Its bound: every kind at min(groups of that kind,
   tables) tables, and every group that has a complementary group in its pool next to one.

``Solution.bound`` (cluster LP bound + table-stage bound for the tables opened) is a proven upper
bound of the objective for those tables, so ``Solution.gap`` bounds the loss. Ties are broken by
input order: the same input gives the same result.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from .seating import TableTarget, Weights, seat_pool, tables_needed, viable

__all__ = ["PREFERENCE_WEIGHT", "UNSEATED_PENALTY", "Merge", "Problem", "Solution", "TableTarget", "Weights",
           "fit_matrix", "solve"]

# A stated preference outweighs everything else an organisation's fit is made of (at most 3 per
# person), so it wins unless the cluster is full.
PREFERENCE_WEIGHT = 10.0
# Leaving a person without a seat costs more than any fit gain.
UNSEATED_PENALTY = 100.0
_INTEGRAL_TOL = 1e-7
# When rounding the LP loses more than this share, the full MILP is solved instead.
EXACT_GAP = 1e-4
MILP_TIME_LIMIT = 10.0
# The full MILP is only tried on small problems (a few hundred organisations).
FULL_MILP_MAX_VARIABLES = 20_000


def fit_matrix(
    *,
    sizes: list[int],
    organisation_goals: list[list[int]],
    cluster_goals: list[set[int]],
    classifier_scores: list[dict[int, float]] | None = None,
    confirmed_cluster: list[int | None] | None = None,
    preferred_cluster: list[int | None] | None = None,
) -> np.ndarray:
    """The fit of every organisation (rows) to every cluster (columns, by index).

    - ``organisation_goals[i]``: the organisation's confirmed SDGs;
      ``cluster_goals[k]``: the SDGs of cluster k in the network's mapping.
      Share of the organisation's SDGs that cluster k covers, 0..1.
    - ``classifier_scores[i]``: {cluster index: score 0..1} from the matching classifier; absent → 0.
    - ``confirmed_cluster[i]``: the cluster the group or an organiser confirmed: +1.
    - ``preferred_cluster[i]``: the cluster the registration asked for:
      +``PREFERENCE_WEIGHT`` per attendee (so it beats any other fit per seat taken).
    """
    n, k = len(sizes), len(cluster_goals)
    fit = np.zeros((n, k))
    for i, goals in enumerate(organisation_goals):
        if goals:
            goal_set = set(goals)
            fit[i] += [len(goal_set & cg) / len(goal_set) for cg in cluster_goals]
    if classifier_scores:
        for i, scores in enumerate(classifier_scores):
            for c, score in (scores or {}).items():
                fit[i, c] += min(max(float(score), 0.0), 1.0)
    if confirmed_cluster:
        for i, c in enumerate(confirmed_cluster):
            if c is not None:
                fit[i, c] += 1.0
    if preferred_cluster:
        for i, c in enumerate(preferred_cluster):
            if c is not None:
                fit[i, c] += PREFERENCE_WEIGHT * sizes[i]
    return fit


@dataclass(frozen=True)
class Problem:
    sizes: np.ndarray          # (n,) people per organisation
    fit: np.ndarray            # (n, K) fit per cluster index
    table_cluster: np.ndarray  # (T,) cluster index of each table
    table_seats: np.ndarray    # (T,) seats of each table
    locked: np.ndarray | None = None  # (n,) table index kept as it is, or -1
    kinds: np.ndarray | None = None   # (n,) kind of group as an index (NGO, company, ...); None: all alike
    goals: np.ndarray | None = None   # (n, 17) bool: the group's SDGs (for complementary groups)
    keys: list[tuple] | None = None   # per group: umbrella body / person keys; equal keys never share a table
    cluster_goals: list[set[int]] | None = None  # SDGs of each cluster (for merging small clusters)
    target: TableTarget = field(default_factory=TableTarget)
    weights: Weights = field(default_factory=Weights)

    @property
    def n(self) -> int:
        return len(self.sizes)

    @property
    def clusters(self) -> int:
        return self.fit.shape[1]


@dataclass(frozen=True)
class Merge:
    """A cluster too small for a table of its own, seated with the cluster it shares most SDGs with."""

    cluster: int        # cluster index merged ...
    into: int           # ... into this one
    groups: int
    people: int
    shared_goals: tuple[int, ...]


@dataclass
class Solution:
    table: np.ndarray              # (n,) table index, or -1 when unassigned
    total_fit: float               # sum of fit of the seated organisations
    objective: float               # fit - UNSEATED_PENALTY * unseated people + table part (mix - penalties)
    lp_bound: float                # LP optimum of the cluster stage (bounds fit - unseated penalty)
    seconds: float
    unassigned: list[int] = field(default_factory=list)
    rounds: int = 1
    mix: float = 0.0               # table part of the objective
    mix_bound: float = 0.0         # its upper bound for the tables opened
    merges: list[Merge] = field(default_factory=list)
    tables_used: int = 0
    cluster: np.ndarray | None = None  # (n,) the cluster each seated group counts for (its table's, or merged)
    cluster_seconds: float = 0.0       # time in the cluster stage (the LP/MILP), of ``seconds``

    @property
    def bound(self) -> float:
        return self.lp_bound + self.mix_bound

    @property
    def gap(self) -> float:
        """Relative distance of the objective from its upper bound (0.001 = 0.1%)."""
        if abs(self.bound) < 1e-12:
            return 0.0
        return max(0.0, (self.bound - self.objective) / abs(self.bound))

    def as_dict(self) -> dict:
        return {
            "total_fit": round(self.total_fit, 6), "objective": round(self.objective, 6),
            "lp_bound": round(self.lp_bound, 6), "bound": round(self.bound, 6), "gap": self.gap,
            "mix": round(self.mix, 6), "mix_bound": round(self.mix_bound, 6),
            "seconds": round(self.seconds, 4), "unassigned": len(self.unassigned), "rounds": self.rounds,
            "tables_used": self.tables_used,
        }




def _cluster_stage(sizes, fit, allowed, capacity, count_limits) -> tuple[np.ndarray, float]:
    """Organisation → cluster index (-1 = unseated) maximising fit; returns (choice, LP bound).

    ``capacity[k]``: seats of cluster k. ``count_limits``: [(k, s, limit)]: at most ``limit``
    organisations of size ≥ s fit in cluster k (from the table sizes; valid for every packing,
    they keep stage 1 from choosing sets the tables cannot hold).
    """
    n, k = fit.shape
    rows, cols = np.nonzero(allowed)
    m = len(rows)
    # Variables: x[pair] for each allowed (org, cluster) pair, then u[i] "unseated" per organisation.
    cost = np.concatenate([-fit[rows, cols], UNSEATED_PENALTY * sizes])
    a_eq = sparse.csr_array(
        (np.ones(m + n), (np.concatenate([rows, np.arange(n)]), np.arange(m + n))), shape=(n, m + n)
    )
    ub_rows, ub_cols, ub_vals = [cols], [np.arange(m)], [sizes[rows].astype(float)]
    b_ub = [capacity.astype(float)]
    for r, (c, s, limit) in enumerate(count_limits, start=k):
        pairs = np.flatnonzero((cols == c) & (sizes[rows] >= s))
        ub_rows.append(np.full(len(pairs), r))
        ub_cols.append(pairs)
        ub_vals.append(np.ones(len(pairs)))
        b_ub.append(np.array([float(limit)]))
    a_ub = sparse.csr_array(
        (np.concatenate(ub_vals), (np.concatenate(ub_rows), np.concatenate(ub_cols))),
        shape=(k + len(count_limits), m + n),
    )
    b_ub = np.concatenate(b_ub)
    lp = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=np.ones(n), bounds=(0, 1), method="highs-ipm")
    if lp.status != 0:  # pragma: no cover - the problem is always feasible (u = 1)
        raise RuntimeError(f"assignment LP failed: {lp.message}")
    lp_bound = -lp.fun
    x = lp.x
    whole = np.zeros(m + n, dtype=bool)
    whole[:] = x > 1 - _INTEGRAL_TOL
    # Organisations the LP seats whole stay; the fractional ones (about one per constraint in a
    # basic solution) and the unseated ones (which may fill the seats the rounding leaves) go to
    # an exact MILP over what the seated ones leave.
    settled = np.zeros(n, dtype=bool)
    settled[rows[whole[:m]]] = True
    fractional = np.flatnonzero(~settled)
    y = whole.astype(float)  # the integral part of the LP solution
    if len(fractional):
        var_mask = np.zeros(m + n, dtype=bool)
        var_mask[:m] = np.isin(rows, fractional)
        var_mask[m + fractional] = True
        y[var_mask] = 0.0
        sub = np.flatnonzero(var_mask)
        left = b_ub - a_ub @ y
        res = milp(
            cost[sub], integrality=np.ones(len(sub)), bounds=Bounds(0, 1),
            constraints=[LinearConstraint(a_eq[fractional][:, sub], 1, 1),
                         LinearConstraint(a_ub[:, sub], -np.inf, left)],
            options={"time_limit": MILP_TIME_LIMIT, "mip_rel_gap": EXACT_GAP / 10},
        )
        if res.x is None:  # pragma: no cover - u = 1 is always feasible
            raise RuntimeError(f"assignment MILP failed: {res.message}")
        y[sub] = res.x > 0.5
        value = -float(cost @ y)
        if lp_bound - value > EXACT_GAP * max(1.0, abs(lp_bound)) and m + n <= FULL_MILP_MAX_VARIABLES:
            # Fixing the whole organisations first lost too much (small or tight cases): solve the
            # full MILP, bounded in time; keep the better of the two.
            full = milp(cost, integrality=np.ones(m + n), bounds=Bounds(0, 1),
                        constraints=[LinearConstraint(a_eq, 1, 1), LinearConstraint(a_ub, -np.inf, b_ub)],
                        options={"time_limit": MILP_TIME_LIMIT, "mip_rel_gap": EXACT_GAP / 10})
            if full.x is not None and -full.fun > value + 1e-9:
                y = (full.x > 0.5).astype(float)
    choice = np.full(n, -1)
    chosen = y[:m] > 0.5
    choice[rows[chosen]] = cols[chosen]
    return choice, lp_bound


def _pools(members_of: list[list[int]], sizes: np.ndarray, tables_of: list[np.ndarray], seats: np.ndarray,
           cluster_goals: list[set[int]], target: TableTarget) -> tuple[list[list[int]], list[Merge]]:
    """Clusters grouped into pools: a pool that cannot fill its tables (``seating.viable``) joins the
    pool whose first cluster shares most SDGs with it (ties: more groups, then cluster order);
    smallest first, until every pool is viable or one is left. Returns (pools, merges)."""
    pools = [[c] for c in range(len(members_of)) if members_of[c]]
    merges: list[Merge] = []

    def stats(pool):
        groups = [i for c in pool for i in members_of[c]]
        pool_seats = [int(seats[t]) for c in pool for t in tables_of[c]]
        return len(groups), int(sizes[groups].sum()) if groups else 0, pool_seats

    while len(pools) > 1:
        weak = [(stats(p)[1], stats(p)[0], p[0], p) for p in pools if not viable(stats(p)[1], stats(p)[0],
                                                                                  stats(p)[2], target)]
        if not weak:
            break
        _people, _groups, _first, small = min(weak, key=lambda w: (w[0], w[1], w[2]))
        own = cluster_goals[small[0]]

        def closeness(p):
            shared = len(own & cluster_goals[p[0]])
            return (shared, stats(p)[0], -p[0])

        into = max((p for p in pools if p is not small), key=closeness)
        groups, people, _ = stats(small)
        for c in small:
            merges.append(Merge(cluster=c, into=into[0], groups=len(members_of[c]),
                                people=int(sizes[members_of[c]].sum()) if members_of[c] else 0,
                                shared_goals=tuple(sorted(cluster_goals[c] & cluster_goals[into[0]]))))
        into.extend(small)
        pools.remove(small)
    return pools, merges


def solve(problem: Problem, *, max_rounds: int = 5) -> Solution:
    """Assign every organisation of ``problem`` to a table (or leave it unseated)."""
    started = time.perf_counter()
    sizes = np.asarray(problem.sizes, dtype=int)
    fit = np.asarray(problem.fit, dtype=float)
    table_cluster = np.asarray(problem.table_cluster, dtype=int)
    table_seats = np.asarray(problem.table_seats, dtype=int)
    n, k = fit.shape
    locked = np.full(n, -1) if problem.locked is None else np.asarray(problem.locked, dtype=int)
    kinds = np.zeros(n, dtype=int) if problem.kinds is None else np.asarray(problem.kinds, dtype=int)
    goals = np.zeros((n, 17), dtype=bool) if problem.goals is None else np.asarray(problem.goals, dtype=bool)
    keys = problem.keys if problem.keys is not None else [()] * n
    cluster_goals = problem.cluster_goals if problem.cluster_goals is not None else [set() for _ in range(k)]

    base_load = np.bincount(locked[locked >= 0], weights=sizes[locked >= 0], minlength=len(table_seats))
    free = np.flatnonzero(locked < 0)
    tables_of = [np.flatnonzero(table_cluster == c) for c in range(k)]
    capacity = np.array([max(0.0, (table_seats[t] - base_load[t]).clip(min=0).sum()) for t in tables_of])
    biggest_room = np.array([(table_seats[t] - base_load[t]).max() if len(t) else 0 for t in tables_of])
    allowed = sizes[free, None] <= biggest_room[None, :]
    # At most sum(floor(room / s)) organisations of size >= s fit at a cluster's tables.
    count_limits = []
    for s in sorted(set(sizes[free].tolist()) - {1}):
        for c in range(k):
            room = (table_seats[tables_of[c]] - base_load[tables_of[c]]).clip(min=0)
            count_limits.append((c, s, int((room // s).sum())))

    lp_bound = None
    rounds = 0
    cluster_seconds = 0.0
    choice = np.full(len(free), -1)
    for rounds in range(1, max_rounds + 1):
        if len(free):
            stage_started = time.perf_counter()
            choice, bound = _cluster_stage(sizes[free], fit[free], allowed, capacity, count_limits)
            cluster_seconds += time.perf_counter() - stage_started
            if lp_bound is None:
                lp_bound = bound
        cluster_of = np.full(n, -1)
        cluster_of[free] = choice
        cluster_of[locked >= 0] = table_cluster[locked[locked >= 0]]
        members_of = [np.flatnonzero(cluster_of == c).tolist() for c in range(k)]
        pools, merges = _pools(members_of, sizes, tables_of, table_seats, cluster_goals, problem.target)
        table = np.full(n, -1)
        mix = mix_bound = 0.0
        overflow = False
        for number, pool in enumerate(pools):
            groups = [i for c in pool for i in members_of[c]]
            pool_tables = np.concatenate([tables_of[c] for c in pool])
            local_table = {int(t): x for x, t in enumerate(pool_tables)}
            locked_at = {x: local_table[int(locked[i])] for x, i in enumerate(groups) if locked[i] >= 0}
            people = int(sizes[groups].sum())
            n_open = tables_needed(people, len(groups), table_seats[pool_tables].tolist(), problem.target)
            placed, unplaced, state = seat_pool(
                sizes=sizes[groups], kinds=kinds[groups], goals=goals[groups], keys=[keys[i] for i in groups],
                seats=table_seats[pool_tables], n_open=n_open, locked_at=locked_at,
                target=problem.target, weights=problem.weights, seed=number)
            for x, i in enumerate(groups):
                table[i] = pool_tables[placed[x]] if placed[x] >= 0 else -1
            mix += state.total()
            mix_bound += state.bound()
            if unplaced:
                overflow = True
                for x in unplaced:  # seat fragmentation: the next round gives that cluster fewer seats
                    capacity[cluster_of[groups[x]]] = max(0.0, capacity[cluster_of[groups[x]]] - sizes[groups[x]])
        if not overflow or not len(free):
            break
    unassigned = [int(i) for i in range(n) if table[i] < 0]
    # A group merged into another cluster's table keeps its own cluster's fit (the table is shared).
    total_fit = float(sum(fit[i, cluster_of[i]] for i in range(n) if table[i] >= 0))
    locked_fit = float(sum(fit[i, table_cluster[locked[i]]] for i in range(n) if locked[i] >= 0))
    objective = total_fit - UNSEATED_PENALTY * float(sizes[unassigned].sum() if unassigned else 0) + mix
    bound = (lp_bound if lp_bound is not None else 0.0) + locked_fit
    return Solution(
        table=table, total_fit=total_fit, objective=objective, lp_bound=bound,
        seconds=time.perf_counter() - started, unassigned=unassigned, rounds=max(rounds, 1),
        mix=mix, mix_bound=mix_bound, merges=merges, tables_used=len(set(table[table >= 0].tolist())),
        cluster=np.where(table >= 0, cluster_of, -1), cluster_seconds=cluster_seconds,
    )
