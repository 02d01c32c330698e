"""SDG tiles keep the official colours and get a text colour that passes WCAG AA (issue 10 item 11)."""
from __future__ import annotations

import re

from civicnet.goals.reference import GOAL_COLOURS
from civicnet.templating import GOAL_INKS, contrast, ink_for


def test_contrast_formula_matches_known_values():
    assert round(contrast("#ffffff", "#000000"), 1) == 21.0
    assert round(contrast("#ffffff", "#FCC30B"), 2) == 1.62       # white on SDG 7: the reported failure


def test_every_goal_text_colour_passes_aa():
    for number, colour in GOAL_COLOURS.items():
        assert contrast(GOAL_INKS[number], colour) >= 4.5, (number, colour, GOAL_INKS[number])
    assert {n for n, ink in GOAL_INKS.items() if ink != "#ffffff"} >= {2, 3, 7, 11, 15}
    assert ink_for("#19486A") == "#ffffff"


def test_registration_tiles_and_badges_carry_their_text_colour(client, network):
    html = client.get(f"/n/{network.slug}/register").get_data(as_text=True)
    assert "--sdg-ink" not in html                                   # step 1 has no tiles
    from tests.builders import make_organisation, make_user, login

    org = make_organisation(network, goals=[7, 17])
    login(client, make_user(network))
    html = client.get(f"/o/{network.slug}/organisations/{org.id}").get_data(as_text=True)
    assert 'style="--sdg: #FCC30B; --sdg-ink: #111111"' in html
    badges = re.findall(r'class="sdg-badge" style="background:(#\w+);color:(#\w+)"', html)
    assert ("#FCC30B", "#111111") in badges and ("#19486A", "#ffffff") in badges
