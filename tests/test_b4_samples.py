"""b4's own follow-up trailer samples, when a b4 source tree is at hand: aptool gives the commits b4 gives.

b4's test suite keeps threads (``trailers-followup-<name>.mbox``) and the
``b4 am`` output expected for each (``...-ref-<config>.txt``).  aptool ships
none of them; point ``APTOOL_B4_SAMPLES`` at b4's ``src/tests/samples`` to run
these.  For every sample whose reference b4 makes with its default settings
(``defaults``, and ``partial-reroll``/``with-cover``, whose references also add
b4's "my Signed-off-by", left out here), each patch's commit message as aptool
hands it to ``git am`` must equal b4's, apart from the ``Link:`` aptool adds.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from aptool.apply.am import am_mail
from aptool.archive.local import LocalArchive
from aptool.archive.mail import parse_mail
from aptool.series import parse_thread, require_version

SAMPLES = os.environ.get("APTOOL_B4_SAMPLES")
pytestmark = pytest.mark.skipif(not SAMPLES, reason="APTOOL_B4_SAMPLES names no b4 sample directory")
# The trailer b4's test configuration adds with addmysob; aptool adds no Signed-off-by of its own.
MYSOB = "Signed-off-by: Test Override <test-override@example.com>\n"
LINKMASK = "https://aptool.invalid/%s"

CASES = [
    "single",
    "with-cover",
    "partial-reroll",
    "nore",
    "non-git-patch",
    "non-git-patch-with-comments",
    "with-diffstat",
    "name-parens",
    "bare-address",
    "stripped-lines",
    "htmljunk",
]


def _reference(name: str) -> dict[str, str]:
    """Commit message per Message-ID in b4's expected ``b4 am`` output."""
    folder = Path(SAMPLES or ".")
    path = folder / f"trailers-followup-{name}-ref-defaults.txt"
    if not path.exists():
        pytest.skip(f"no reference output for {name}")
    messages = {}
    for raw in LocalArchive(path).messages:
        msg = parse_mail(raw)
        body = (msg.get_payload(decode=True) or b"").decode()
        messages[str(msg["Message-Id"]).strip("<> ")] = _message(body).replace(MYSOB, "")
    return messages


def _message(body: str) -> str:
    """The commit message: the text before the first patch break."""
    return re.split(r"^(?:---\s*$|diff -|Index: )", body, maxsplit=1, flags=re.M)[0].strip() + "\n"


@pytest.mark.parametrize("name", CASES)
def test_followup_trailers_as_b4_gives_them(name: str, tmp_path: Path) -> None:
    mbox = Path(SAMPLES or ".") / f"trailers-followup-{name}.mbox"
    if not mbox.exists():
        pytest.skip(f"b4 has no sample {mbox.name}")
    expected = _reference(name)
    messages = LocalArchive(mbox).messages
    thread = parse_thread(messages, "")
    series = require_version(thread, None)
    assert series.complete
    for patch in series.patches:
        mail = am_mail(patch, LINKMASK, tmp_path).decode()
        body = mail.split("\n\n", 1)[1]
        ours = _message(body).replace(f"Link: {LINKMASK.replace('%s', patch.message_id)}\n", "")
        assert ours == expected[patch.message_id], patch.message_id
