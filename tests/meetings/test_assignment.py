"""The breakout optimiser against brute force and its bound: sparse, full and over-subscribed
meetings, locks, umbrella conflicts, mixed kinds (pure numerics, no database)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from civicnet.meetings import seating
from civicnet.meetings.assignment import PREFERENCE_WEIGHT, Problem, TableTarget, fit_matrix, solve


LOOSE = TableTarget(min_people=1, max_people=100, min_groups=1)  # no merging, no size target


def _random_problem(rng, n, k, tables_per_cluster, seats, sizes=(1, 2), target=LOOSE, kinds=None):
    sizes = rng.choice(sizes, size=n)
    fit = rng.random((n, k)) * 3
    table_cluster = np.concatenate([np.full(t, c) for c, t in enumerate(tables_per_cluster)]).astype(int)
    return Problem(sizes=sizes, fit=fit, table_cluster=table_cluster,
                   table_seats=np.full(len(table_cluster), seats), target=target,
                   kinds=kinds, goals=rng.random((n, 17)) < 0.2 if kinds is not None else None)


def _brute_force(problem: Problem) -> float:
    """Best fit objective over every org -> table (or no table) choice that respects seats."""
    n, t = problem.n, len(problem.table_seats)
    best = -np.inf
    for choice in itertools.product(range(-1, t), repeat=n):
        loads = np.zeros(t)
        value = 0.0
        for i, j in enumerate(choice):
            if j < 0:
                value -= 100.0 * problem.sizes[i]
            else:
                loads[j] += problem.sizes[i]
                value += problem.fit[i, problem.table_cluster[j]]
        if (loads <= problem.table_seats).all():
            best = max(best, value)
    return best


def _check_feasible(problem: Problem, solution) -> np.ndarray:
    seated = solution.table >= 0
    loads = np.bincount(solution.table[seated], weights=problem.sizes[seated], minlength=len(problem.table_seats))
    assert (loads <= problem.table_seats).all()
    assert solution.objective <= solution.bound + 1e-6
    return loads


@pytest.mark.parametrize("seed", range(12))
def test_cluster_stage_matches_brute_force_on_small_cases(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 7))
    problem = _random_problem(rng, n, k=3, tables_per_cluster=[1, 1, int(rng.integers(0, 2))], seats=2)
    solution = solve(problem)
    _check_feasible(problem, solution)
    assert solution.objective - solution.mix == pytest.approx(_brute_force(problem), abs=1e-6)


def _best_mix(problem: Problem, tables: int) -> float:
    """Brute force of the table part for one cluster whose ``tables`` tables are all used."""
    pool = seating.Pool(problem.sizes, problem.kinds, problem.goals, problem.keys or [()] * problem.n,
                        problem.table_seats[:tables], problem.target, problem.weights)
    pool.open[:] = True
    pool.set_target(float(problem.sizes.sum()), problem.n)
    best = -np.inf
    for choice in itertools.product(range(tables), repeat=problem.n):
        choice = np.array(choice)
        members = [np.flatnonzero(choice == t).tolist() for t in range(tables)]
        if any(problem.sizes[m].sum() > problem.table_seats[t] for t, m in enumerate(members)):
            continue
        best = max(best, sum(pool.value(m, float(problem.sizes[m].sum())) for m in members))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_table_stage_matches_brute_force(seed):
    rng = np.random.default_rng(50 + seed)
    n = 8
    problem = Problem(sizes=rng.choice([1, 2], size=n), fit=np.ones((n, 1)), table_cluster=np.zeros(2, dtype=int),
                      table_seats=np.full(2, 8), kinds=rng.integers(0, 3, size=n), goals=rng.random((n, 17)) < 0.15,
                      target=TableTarget(min_people=3, max_people=8, min_groups=3))
    solution = solve(problem)
    _check_feasible(problem, solution)
    assert solution.tables_used == 2
    assert solution.mix == pytest.approx(_best_mix(problem, 2), abs=1e-6)
    assert solution.gap == pytest.approx(0.0, abs=1e-9)


def _sparse_problem(seed=3):
    """15 groups of 2 at 7 clusters x 4 tables x 8 seats (the issue's example meeting)."""
    rng = np.random.default_rng(seed)
    n, k = 15, 7
    cluster_goals = [{1, 7, 8, 9, 10, 12}, {2, 3, 6, 9, 10, 11, 12}, {7, 9, 10, 11, 13, 16, 17},
                     {1, 3, 4, 5, 8, 10, 11}, {3, 4, 5, 8, 10, 11, 12}, {3, 8, 11, 12, 16, 17}, {4, 6, 12, 13, 14, 15}]
    goals = rng.random((n, 17)) < 0.2
    fit = rng.random((n, k)) * 3
    return Problem(sizes=np.full(n, 2), fit=fit, table_cluster=np.repeat(np.arange(k), 4), table_seats=np.full(28, 8),
                   kinds=rng.integers(0, 6, size=n), goals=goals, cluster_goals=cluster_goals)


@pytest.mark.parametrize("seed", range(4))
def test_sparse_meeting_opens_only_the_tables_people_need(seed):
    problem = _sparse_problem(seed)
    solution = solve(problem)
    loads = _check_feasible(problem, solution)
    used = np.unique(solution.table)
    groups = np.array([(solution.table == t).sum() for t in used])
    assert not solution.unassigned
    assert len(used) == solution.tables_used in (4, 5)  # 30 people, 6-8 a table (not 28 tables)
    assert groups.min() >= 3
    assert set(loads[used].tolist()) <= {6.0, 8.0}  # groups of 2: 6 to 8 people
    assert solution.merges  # seven clusters cannot each fill a table with 15 groups
    for merge in solution.merges:
        shared = problem.cluster_goals[merge.cluster] & problem.cluster_goals[merge.into]
        assert set(merge.shared_goals) == shared and merge.into != merge.cluster
        # Merged groups keep their own cluster (and its fit) at the shared table.
        merged = np.flatnonzero(solution.cluster == merge.cluster)
        assert len(merged) == merge.groups
    assert solution.gap <= 0.005


def test_full_meeting_fills_every_table():
    rng = np.random.default_rng(11)
    # 2 clusters x 3 tables x 6 seats = 36 seats for 36 people in groups of 2.
    problem = Problem(sizes=np.full(18, 2), fit=rng.random((18, 2)), table_cluster=np.repeat([0, 1], 3),
                      table_seats=np.full(6, 6), kinds=rng.integers(0, 4, size=18), goals=rng.random((18, 17)) < 0.2,
                      cluster_goals=[{1, 2}, {2, 3}])
    solution = solve(problem)
    loads = _check_feasible(problem, solution)
    assert not solution.unassigned and (loads == 6).all() and solution.tables_used == 6


def test_over_subscribed_meeting_never_overfills():
    rng = np.random.default_rng(12)
    problem = Problem(sizes=rng.choice([1, 2, 3], size=40), fit=rng.random((40, 2)), table_cluster=np.repeat([0, 1], 3),
                      table_seats=np.full(6, 8), kinds=rng.integers(0, 4, size=40), goals=rng.random((40, 17)) < 0.2,
                      cluster_goals=[{1, 2}, {2, 3}])
    solution = solve(problem)
    loads = _check_feasible(problem, solution)
    assert solution.unassigned and solution.tables_used == 6
    assert loads.sum() >= 48 - 2  # seats left empty only by fragmentation (groups up to 3)
    assert solution.objective <= solution.bound + 1e-6


def test_groups_of_one_umbrella_body_never_share_a_table():
    rng = np.random.default_rng(5)
    n = 24
    keys = [("umbrella:a",) if i < 4 else ("contact:x",) if i < 6 else () for i in range(n)]
    problem = Problem(sizes=np.ones(n, dtype=int), fit=np.ones((n, 1)), table_cluster=np.zeros(4, dtype=int),
                      table_seats=np.full(4, 8), kinds=rng.integers(0, 5, size=n), goals=rng.random((n, 17)) < 0.2,
                      keys=keys)
    solution = solve(problem)
    _check_feasible(problem, solution)
    assert len(set(solution.table[:4].tolist())) == 4
    assert solution.table[4] != solution.table[5]


def test_kinds_spread_over_the_tables():
    # 4 kinds x 3 groups at 3 tables: every table gets every kind (the bound).
    n = 12
    problem = Problem(sizes=np.ones(n, dtype=int), fit=np.ones((n, 1)), table_cluster=np.zeros(3, dtype=int),
                      table_seats=np.full(3, 8), kinds=np.repeat(np.arange(4), 3),
                      goals=np.ones((n, 17), dtype=bool), target=TableTarget(min_people=4, max_people=4, min_groups=3))
    solution = solve(problem)
    for t in range(3):
        assert sorted(problem.kinds[solution.table == t].tolist()) == [0, 1, 2, 3]
    assert solution.gap == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_within_half_a_percent_of_the_bound(seed):
    rng = np.random.default_rng(100 + seed)
    problem = _random_problem(rng, 300, k=7, tables_per_cluster=[8] * 7, seats=8, sizes=(1, 2, 3),
                              target=TableTarget(), kinds=rng.integers(0, 9, size=300))
    solution = solve(problem)
    loads = _check_feasible(problem, solution)
    assert solution.gap <= 0.005
    used = np.unique(solution.table[solution.table >= 0])
    groups = np.array([(solution.table == t).sum() for t in used])
    assert groups.min() >= 3 and (loads[used] <= 8).all()


def test_deterministic():
    rng = np.random.default_rng(7)
    problem = _random_problem(rng, 200, k=5, tables_per_cluster=[5] * 5, seats=8)
    assert (solve(problem).table == solve(problem).table).all()


def test_preference_wins_unless_full():
    # Three groups prefer cluster 0 (one table of 2 seats) although cluster 1 fits them better.
    fit = fit_matrix(sizes=[1, 1, 1], organisation_goals=[[13], [13], [13]], cluster_goals=[{1}, {13}],
                     preferred_cluster=[0, 0, 0])
    assert fit[0, 0] == PREFERENCE_WEIGHT and fit[0, 1] == 1.0
    problem = Problem(sizes=np.array([1, 1, 1]), fit=fit, table_cluster=np.array([0, 1]),
                      table_seats=np.array([2, 4]), target=LOOSE)
    solution = solve(problem)
    assert sorted(problem.table_cluster[solution.table]) == [0, 0, 1]


def test_cluster_without_tables_gets_nobody():
    fit = np.array([[5.0, 0.0], [5.0, 0.1]])  # everyone fits cluster 0 best, but it has no tables
    problem = Problem(sizes=np.array([1, 2]), fit=fit, table_cluster=np.array([1, 1]), table_seats=np.array([3, 3]), target=LOOSE)
    solution = solve(problem)
    assert (problem.table_cluster[solution.table] == 1).all() and not solution.unassigned


def test_more_people_than_seats_leaves_some_unseated():
    problem = Problem(sizes=np.array([2, 2, 2, 1]), fit=np.ones((4, 1)), table_cluster=np.array([0, 0]),
                      table_seats=np.array([3, 3]), target=LOOSE)
    solution = solve(problem)
    _check_feasible(problem, solution)
    assert (solution.table >= 0).sum() == 3 and len(solution.unassigned) == 1


def test_a_group_is_never_split_and_too_big_groups_stay_out():
    problem = Problem(sizes=np.array([5, 1]), fit=np.ones((2, 1)), table_cluster=np.array([0, 0]),
                      table_seats=np.array([4, 4]), target=LOOSE)
    solution = solve(problem)
    assert solution.table[0] == -1 and solution.table[1] >= 0


def test_locked_groups_keep_their_table():
    fit = np.array([[0.0, 3.0], [3.0, 0.0], [3.0, 0.0]])
    problem = Problem(sizes=np.array([1, 1, 1]), fit=fit, table_cluster=np.array([0, 1]),
                      table_seats=np.array([2, 2]), locked=np.array([0, -1, -1]), target=LOOSE)
    solution = solve(problem)
    assert solution.table[0] == 0  # kept although it fits cluster 1 better
    assert sorted(solution.table[1:].tolist()) == [0, 1]  # only one seat left at table 0


def test_locks_hold_when_tables_follow_attendance():
    # 12 people for 2 clusters x 3 tables: two tables are enough, but the locked group's table
    # (cluster 1's third) opens too and keeps it.
    rng = np.random.default_rng(9)
    locked = np.full(12, -1)
    locked[0] = 5
    problem = Problem(sizes=np.ones(12, dtype=int), fit=np.column_stack([np.full(12, 2.0), np.zeros(12)]),
                      table_cluster=np.repeat([0, 1], 3), table_seats=np.full(6, 8), locked=locked,
                      kinds=rng.integers(0, 4, size=12), goals=rng.random((12, 17)) < 0.2,
                      cluster_goals=[{1, 2}, {2, 3}])
    solution = solve(problem)
    _check_feasible(problem, solution)
    assert solution.table[0] == 5 and not solution.unassigned
    assert (solution.table == 5).sum() >= 3  # not left alone at its table
    assert solution.tables_used == 2


def test_empty_inputs():
    assert len(solve(Problem(sizes=np.array([], dtype=int), fit=np.zeros((0, 2)), table_cluster=np.array([0]),
                             table_seats=np.array([4]))).table) == 0
    solution = solve(Problem(sizes=np.array([1]), fit=np.zeros((1, 0)), table_cluster=np.array([], dtype=int),
                             table_seats=np.array([], dtype=int)))
    assert solution.unassigned == [0]


def test_fit_matrix_components():
    fit = fit_matrix(sizes=[2], organisation_goals=[[6, 15]], cluster_goals=[{6, 12}, {1}],
                     classifier_scores=[{1: 0.5}], confirmed_cluster=[1], preferred_cluster=[0])
    assert fit[0, 0] == pytest.approx(0.5 + 2 * PREFERENCE_WEIGHT)
    assert fit[0, 1] == pytest.approx(0.5 + 1.0)
