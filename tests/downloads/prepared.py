"""One helper for the prepared-export tests of every domain: ask through the page, build as the
worker does, download."""
from __future__ import annotations

import re

from civicnet.downloads import services
from civicnet.downloads.models import ExportFile
from civicnet.extensions import db


def streamed_and_prepared(app, client, url: str) -> tuple[bytes, bytes, ExportFile]:
    """The body of ``url`` streamed (threshold out of reach), then the same export past the
    threshold: a redirect to its progress page, built by the worker's function, downloaded."""
    app.config["EXPORT_WORKER_THRESHOLD"] = 10**9
    streamed = client.get(url)
    assert streamed.status_code == 200, streamed.status_code
    app.config["EXPORT_WORKER_THRESHOLD"] = 0
    asked = client.get(url)
    assert asked.status_code == 302, asked.status_code
    export_id = int(re.search(r"/exports/(\d+)$", asked.location).group(1))
    page = client.get(asked.location)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and ("내보내기 파일" in text or "Export file" in text)  # ko or en progress page
    db.session.commit()
    assert services.build_export(export_id, db.session.commit) is not None
    export = db.session.get(ExportFile, export_id)
    fetched = client.get(f"{asked.location}/download")
    assert fetched.status_code == 200, fetched.status_code
    assert fetched.headers["Content-Type"] == streamed.headers["Content-Type"]
    return streamed.data, fetched.data, export
