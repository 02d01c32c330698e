"""The form macro writes aria-* attributes only when they have a value (issue 10 item 11)."""
from __future__ import annotations

import re


def test_no_literal_none_in_aria_attributes(client, network):
    for path in ("/login", f"/n/{network.slug}/register"):
        html = client.get(path).get_data(as_text=True)
        assert '="None"' not in html, path
        assert "aria-invalid" not in html, path
    html = client.get(f"/n/{network.slug}/register").get_data(as_text=True)
    assert re.search(r'<input[^>]*aria-describedby="email-hint"[^>]*id="email"|<input[^>]*id="email"[^>]*'
                     r'aria-describedby="email-hint"', html)
    assert re.search(r'<input[^>]*id="name"[^>]*>', html) and "aria-describedby" not in re.search(
        r'<input[^>]*id="name"[^>]*>', html).group(0)


def test_errors_are_described_and_marked_invalid(client, network):
    response = client.post(f"/n/{network.slug}/register", data={"name": "", "email": "not-an-email"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and '="None"' not in html
    email = re.search(r'<input[^>]*id="email"[^>]*>', html).group(0)
    assert 'aria-describedby="email-hint email-error"' in email and 'aria-invalid="true"' in email
    assert 'id="email-error"' in html
