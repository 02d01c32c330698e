"""Breakout assignment: every attending organisation gets one table in one cluster.

Pure numerics (NumPy + SciPy/HiGHS), no database: ``services.run_assignment`` builds the inputs.

Two stages:

1. **Organisation → cluster** maximises the total fit subject to each cluster's seats (the sum of
   its tables' seats, people of one organisation counted together). It is a transportation
   problem with weights (an organisation of 3 takes 3 seats), solved as an LP with HiGHS
   (interior point + crossover to a basic solution). A basic optimal solution has about one
   fractional organisation per capacity constraint, so the few fractional ones are settled by a
   small MILP (``scipy.optimize.milp``) over the capacity left; if that loses more than 0.01% the
   full MILP is solved. Valid count limits per cluster (at most sum(floor(seats / s)) groups of
   size >= s) keep stage 1 from choosing sets the tables cannot hold. The LP optimum is an upper
   bound on any assignment, so the reported gap is a proven bound on the loss.
2. **Cluster → tables**: fit does not depend on the table inside a cluster, so tables are packed
   for balance only: largest organisation first onto the least-loaded table with room (LPT; the
   final spread of loads is at most the largest organisation). If packing cannot seat someone
   (seat fragmentation), that cluster's capacity is lowered to what packed and stage 1 re-runs.

Organisations nobody can seat (more people than seats) stay unassigned; seating people always
outweighs fit (``UNSEATED_PENALTY`` per person). Ties are broken by input order, so the result is
deterministic for the same input.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

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

    @property
    def n(self) -> int:
        return len(self.sizes)

    @property
    def clusters(self) -> int:
        return self.fit.shape[1]


@dataclass
class Solution:
    table: np.ndarray              # (n,) table index, or -1 when unassigned
    total_fit: float               # sum of fit of the seated organisations
    objective: float               # total_fit - UNSEATED_PENALTY * unseated people
    lp_bound: float                # LP optimum of the objective (upper bound)
    seconds: float
    unassigned: list[int] = field(default_factory=list)
    rounds: int = 1

    @property
    def gap(self) -> float:
        """Relative distance of the objective from the LP optimum (0.001 = 0.1%)."""
        if abs(self.lp_bound) < 1e-12:
            return 0.0
        return max(0.0, (self.lp_bound - self.objective) / abs(self.lp_bound))

    def as_dict(self) -> dict:
        return {
            "total_fit": round(self.total_fit, 6), "objective": round(self.objective, 6),
            "lp_bound": round(self.lp_bound, 6), "gap": self.gap, "seconds": round(self.seconds, 4),
            "unassigned": len(self.unassigned), "rounds": self.rounds,
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


def _pack_tables(order, sizes, loads, seats) -> tuple[dict[int, int], list[int]]:
    """Largest-first onto the least-loaded table with room. Returns ({org: table pos}, unplaced)."""
    placed, unplaced = {}, []
    loads = loads.astype(float).copy()
    for i in sorted(order, key=lambda i: (-sizes[i], i)):
        room = loads + sizes[i] <= seats
        if not room.any():
            unplaced.append(i)
            continue
        candidates = np.where(room, loads, np.inf)
        t = int(np.argmin(candidates))  # first minimum: deterministic tie-break
        loads[t] += sizes[i]
        placed[i] = t
    return placed, unplaced


def solve(problem: Problem, *, max_rounds: int = 5) -> Solution:
    """Assign every organisation of ``problem`` to a table (or leave it unseated)."""
    started = time.perf_counter()
    sizes = np.asarray(problem.sizes, dtype=int)
    fit = np.asarray(problem.fit, dtype=float)
    table_cluster = np.asarray(problem.table_cluster, dtype=int)
    table_seats = np.asarray(problem.table_seats, dtype=int)
    n, k = fit.shape
    locked = np.full(n, -1) if problem.locked is None else np.asarray(problem.locked, dtype=int)

    table = np.full(n, -1)
    table[locked >= 0] = locked[locked >= 0]
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
    unassigned: list[int] = []
    rounds = 0
    if len(free):
        for rounds in range(1, max_rounds + 1):
            choice, bound = _cluster_stage(sizes[free], fit[free], allowed, capacity, count_limits)
            if lp_bound is None:
                lp_bound = bound
            overflow = False
            for c in range(k):
                members = free[choice == c]
                if not len(members):
                    continue
                ts = tables_of[c]
                placed, unplaced = _pack_tables(members, sizes, base_load[ts], table_seats[ts])
                for org, pos in placed.items():
                    table[org] = ts[pos]
                if unplaced:
                    overflow = True
                    for org in unplaced:
                        table[org] = -1
                    # Lower the cluster's capacity to what actually packed, then solve again.
                    capacity[c] = sum(sizes[o] for o in placed)
            for org in free[choice < 0]:
                table[org] = -1
            if not overflow:
                break
        unassigned = [int(i) for i in free if table[i] < 0]
    total_fit = float(sum(fit[i, table_cluster[table[i]]] for i in range(n) if table[i] >= 0))
    locked_fit = float(sum(fit[i, table_cluster[locked[i]]] for i in range(n) if locked[i] >= 0))
    objective = total_fit - UNSEATED_PENALTY * float(sizes[unassigned].sum() if unassigned else 0)
    bound = (lp_bound if lp_bound is not None else 0.0) + locked_fit
    return Solution(
        table=table, total_fit=total_fit, objective=objective, lp_bound=bound,
        seconds=time.perf_counter() - started, unassigned=unassigned, rounds=max(rounds, 1),
    )
