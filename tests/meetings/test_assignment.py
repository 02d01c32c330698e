"""The breakout optimiser against brute force and the LP optimum (pure numerics, no database)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from civicnet.meetings.assignment import PREFERENCE_WEIGHT, Problem, fit_matrix, solve


def _random_problem(rng, n, k, tables_per_cluster, seats, sizes=(1, 2)):
    sizes = rng.choice(sizes, size=n)
    fit = rng.random((n, k)) * 3
    table_cluster = np.concatenate([np.full(t, c) for c, t in enumerate(tables_per_cluster)]).astype(int)
    return Problem(sizes=sizes, fit=fit, table_cluster=table_cluster,
                   table_seats=np.full(len(table_cluster), seats))


def _brute_force(problem: Problem) -> float:
    """Best objective over every org → table (or no table) choice that respects seats."""
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
    return loads


@pytest.mark.parametrize("seed", range(12))
def test_matches_brute_force_on_small_cases(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 7))
    problem = _random_problem(rng, n, k=3, tables_per_cluster=[1, 1, int(rng.integers(0, 2))], seats=2)
    solution = solve(problem)
    _check_feasible(problem, solution)
    assert solution.objective == pytest.approx(_brute_force(problem), abs=1e-6)
    assert solution.objective <= solution.lp_bound + 1e-6


@pytest.mark.parametrize("seed", range(4))
def test_within_a_tenth_of_a_percent_of_the_lp_optimum(seed):
    rng = np.random.default_rng(100 + seed)
    problem = _random_problem(rng, 300, k=7, tables_per_cluster=[6] * 7, seats=8, sizes=(1, 2, 3))
    solution = solve(problem)
    loads = _check_feasible(problem, solution)
    assert solution.gap <= 0.001
    # Balanced: within a cluster, table loads differ by at most the largest group.
    for c in range(7):
        cluster_loads = loads[problem.table_cluster == c]
        if cluster_loads.sum():
            assert cluster_loads.max() - cluster_loads.min() <= 3


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
                      table_seats=np.array([2, 4]))
    solution = solve(problem)
    assert sorted(problem.table_cluster[solution.table]) == [0, 0, 1]


def test_cluster_without_tables_gets_nobody():
    fit = np.array([[5.0, 0.0], [5.0, 0.1]])  # everyone fits cluster 0 best, but it has no tables
    problem = Problem(sizes=np.array([1, 2]), fit=fit, table_cluster=np.array([1, 1]), table_seats=np.array([3, 3]))
    solution = solve(problem)
    assert (problem.table_cluster[solution.table] == 1).all() and not solution.unassigned


def test_more_people_than_seats_leaves_some_unseated():
    problem = Problem(sizes=np.array([2, 2, 2, 1]), fit=np.ones((4, 1)), table_cluster=np.array([0, 0]),
                      table_seats=np.array([3, 3]))
    solution = solve(problem)
    _check_feasible(problem, solution)
    assert (solution.table >= 0).sum() == 3 and len(solution.unassigned) == 1


def test_a_group_is_never_split_and_too_big_groups_stay_out():
    problem = Problem(sizes=np.array([5, 1]), fit=np.ones((2, 1)), table_cluster=np.array([0, 0]),
                      table_seats=np.array([4, 4]))
    solution = solve(problem)
    assert solution.table[0] == -1 and solution.table[1] >= 0


def test_locked_groups_keep_their_table():
    fit = np.array([[0.0, 3.0], [3.0, 0.0], [3.0, 0.0]])
    problem = Problem(sizes=np.array([1, 1, 1]), fit=fit, table_cluster=np.array([0, 1]),
                      table_seats=np.array([2, 2]), locked=np.array([0, -1, -1]))
    solution = solve(problem)
    assert solution.table[0] == 0  # kept although it fits cluster 1 better
    assert sorted(solution.table[1:].tolist()) == [0, 1]  # only one seat left at table 0


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
