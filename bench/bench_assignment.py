"""Breakout assignment: time and quality for 189, 2,000 and 20,000 organisations.

Targets: < 0.5 s, < 2 s, < 20 s; total fit within 0.1% of the LP optimum.
Run: .venv/bin/python bench/bench_assignment.py [--runs 3]
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from civicnet.meetings.assignment import Problem, fit_matrix, solve  # noqa: E402

# Cheongju's 7 clusters (DOMAIN.md) and their SDGs.
CLUSTER_GOALS = [
    {1, 7, 8, 9, 10, 12}, {2, 3, 6, 9, 10, 11, 12}, {7, 9, 10, 11, 13, 16, 17},
    {1, 3, 4, 5, 8, 10, 11}, {3, 4, 5, 8, 10, 11, 12}, {3, 8, 11, 12, 16, 17}, {4, 6, 12, 13, 14, 15},
]
TARGETS = {189: 0.5, 2000: 2.0, 20000: 20.0}


def make_problem(n: int, seed: int = 0, *, slack: float = 1.08, seats: int = 8) -> Problem:
    """A network of ``n`` organisations of 1-3 people, 7 clusters of uneven popularity."""
    rng = np.random.default_rng(seed)
    k = len(CLUSTER_GOALS)
    sizes = rng.choice([1, 2, 3], size=n, p=[0.55, 0.35, 0.10])
    popularity = rng.dirichlet(np.full(k, 3.0))
    goals = [sorted(set(rng.choice(np.arange(1, 18), size=rng.integers(1, 5), replace=False).tolist()))
             for _ in range(n)]
    classifier = [{int(c): float(s) for c, s in enumerate(rng.dirichlet(np.ones(k)))} if rng.random() < 0.7
                  else {} for _ in range(n)]
    preferred = [int(rng.choice(k, p=popularity)) if rng.random() < 0.4 else None for _ in range(n)]
    confirmed = [int(rng.integers(k)) if rng.random() < 0.3 else None for _ in range(n)]
    fit = fit_matrix(sizes=sizes.tolist(), organisation_goals=goals, cluster_goals=CLUSTER_GOALS,
                     classifier_scores=classifier, confirmed_cluster=confirmed, preferred_cluster=preferred)
    # Tables: enough seats overall (slack), spread evenly so popular clusters fill up.
    people = int(sizes.sum())
    per_cluster = max(1, int(np.ceil(people * slack / seats / k)))
    table_cluster = np.repeat(np.arange(k), per_cluster)
    table_seats = np.full(len(table_cluster), seats)
    return Problem(sizes=sizes, fit=fit, table_cluster=table_cluster, table_seats=table_seats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{'orgs':>7} {'tables':>7} {'median s':>9} {'target s':>9} {'fit':>12} {'LP optimum':>12} "
          f"{'gap %':>8} {'unseated':>8} {'spread':>6}  ok")
    all_ok = True
    for n, target in TARGETS.items():
        problem = make_problem(n, seed=n)
        times, solution = [], None
        for _ in range(args.runs):
            solution = solve(problem)
            times.append(solution.seconds)
        median = statistics.median(times)
        loads = np.bincount(solution.table[solution.table >= 0],
                            weights=problem.sizes[solution.table >= 0], minlength=len(problem.table_seats))
        spread = max(int(loads[problem.table_cluster == c].max() - loads[problem.table_cluster == c].min())
                     for c in range(problem.clusters))
        ok = median < target and solution.gap <= 0.001
        all_ok &= ok
        print(f"{n:>7} {len(problem.table_seats):>7} {median:>9.3f} {target:>9.1f} {solution.total_fit:>12.2f} "
              f"{solution.lp_bound:>12.2f} {100 * solution.gap:>8.4f} {len(solution.unassigned):>8} "
              f"{spread:>6}  {'yes' if ok else 'NO'}")
    print("spread = largest difference in people between two tables of one cluster")
    print("\nOver-subscribed (seats for 97% of the people; informational, not a target): some groups stay")
    print("unseated and the LP bound counts fractional seats, so the gap is a bound, not the loss.")
    print("(fit and LP optimum here are the objective: fit minus 100 per unseated person)")
    for n in TARGETS:
        problem = make_problem(n, seed=n + 1, slack=0.97)
        times, solution = [], None
        for _ in range(args.runs):
            solution = solve(problem)
            times.append(solution.seconds)
        free = int(problem.table_seats.sum() - problem.sizes[solution.table >= 0].sum())
        print(f"{n:>7} {len(problem.table_seats):>7} {statistics.median(times):>9.3f} {'':>9} "
              f"{solution.objective:>12.2f} {solution.lp_bound:>12.2f} {100 * solution.gap:>8.4f} "
              f"{len(solution.unassigned):>8}  seats left empty: {free}")
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()
