"""Helpers for evidence tests: a region with subjects, uploads through the real API, the stored file's path."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from graph.graph_helpers import Region
from support import Factory, bearer


class Casework(Region):
    """The graph test region plus bearer tokens and an entity per country to attach evidence to."""

    def __init__(self, make: Factory, passwords: bool = False) -> None:
        super().__init__(make, passwords)
        self.th_token = make.token(self.th_user)
        self.ph_token = make.token(self.ph_user)
        self.kh_token = make.token(self.kh_user)
        self.th_entity = self.entity(self.th_user, "Compound KK-7 operators", kind="group")
        self.ph_entity = self.entity(self.ph_user, "Recruiter 'Mike'")


def upload(client: Any, token: str, subject: tuple[str, int | str], content: bytes, filename: str = "screenshot.png",
           content_type: str = "image/png", **fields: Any) -> Any:
    """POST one file to /api/v1/evidence as multipart, like any HTTP client would."""
    data = {"subject_type": subject[0], "subject_id": str(subject[1]), **fields}
    return client.post("/api/v1/evidence", data=data, files={"file": (filename, content, content_type)},
                       headers=bearer(token))


def stored_path(settings: Any, sha256: str) -> Path:
    return Path(settings.data_dir) / "evidence" / sha256[:2] / sha256[2:4] / sha256


def tamper(path: Path, data: bytes = b"edited after seizure") -> None:
    """Change a stored file the way someone with disk access would (it is read-only, so make it writable first)."""
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    with open(path, "ab") as handle:
        handle.write(data)
