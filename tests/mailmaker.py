"""Make real patch mails for tests: a git repository and ``git format-patch`` output."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

FROM_LINE = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"


def run_git(repo: Path, *args: str, stdin: bytes | None = None) -> str:
    env_date = "2021-06-01T12:00:00+00:00"
    proc = subprocess.run(
        ["git", "-C", str(repo), *args],
        input=stdin,
        capture_output=True,
        check=True,
        env={
            "PATH": "/usr/bin:/bin:/usr/local/bin",
            "HOME": str(repo),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_AUTHOR_NAME": "Ann Dev",
            "GIT_AUTHOR_EMAIL": "ann@example.org",
            "GIT_COMMITTER_NAME": "Ann Dev",
            "GIT_COMMITTER_EMAIL": "ann@example.org",
            "GIT_AUTHOR_DATE": env_date,
            "GIT_COMMITTER_DATE": env_date,
        },
    )
    return proc.stdout.decode()


def make_repo(path: Path, files: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    run_git(path, "init", "-q", "-b", "master")
    commit_files(path, files, "initial import")
    return path


def commit_files(repo: Path, files: dict[str, str], subject: str) -> str:
    for name, text in files.items():
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        run_git(repo, "add", name)
    run_git(repo, "commit", "-q", "-m", subject)
    return run_git(repo, "rev-parse", "HEAD").strip()


def format_series(
    repo: Path,
    count: int,
    *,
    version: int = 1,
    cover: bool = False,
    msgid_prefix: str = "series",
    in_reply_to: str | None = None,
    extra: tuple[str, ...] = (),
) -> list[bytes]:
    """The last ``count`` commits as mails with fixed Message-IDs ``<prefix>-N@example.org``."""
    args = [
        "format-patch",
        "--stdout",
        "--no-signature",
        "--thread=shallow",
        f"-{count}",
        f"--reroll-count={version}",
        "--to=linux-s390@lists.example.org",
        *extra,
    ]
    if cover:
        args.append("--cover-letter")
    if in_reply_to:
        args.append(f"--in-reply-to={in_reply_to}")
    out = run_git(repo, *args).encode()
    mails = [b"From " + chunk for chunk in out.split(b"\nFrom ")]
    mails[0] = mails[0][5:]
    fixed = []
    for number, mail in enumerate(mails, start=0 if cover else 1):
        mail = _set_msgid(mail, f"{msgid_prefix}-{number}@example.org")
        fixed.append(mail)
    # Replies point at the cover (or first patch) by its new Message-ID.
    first_new = f"{msgid_prefix}-{0 if cover else 1}@example.org"
    originals = [_msgid(m) for m in mails]
    result = []
    for mail in fixed:
        for old in originals:
            if old:
                mail = mail.replace(f"<{old}>".encode(), f"<{first_new}>".encode())
        result.append(mail)
    return result


def reply(
    to_msgid: str,
    msgid: str,
    body: str,
    *,
    subject: str = "Re: patch",
    author: str = "Rev Iewer <rev@example.net>",
    when: datetime | None = None,
) -> bytes:
    date = format_datetime(when or datetime(2021, 6, 2, tzinfo=UTC))
    return (
        f"From: {author}\nTo: linux-s390@lists.example.org\nSubject: {subject}\nDate: {date}\n"
        f"Message-ID: <{msgid}>\nIn-Reply-To: <{to_msgid}>\nReferences: <{to_msgid}>\n\n{body}"
    ).encode()


def write_mbox(path: Path, mails: list[bytes]) -> Path:
    with open(path, "wb") as handle:
        for mail in mails:
            if mail.startswith(b"From "):  # format-patch's own separator line
                mail = mail.split(b"\n", 1)[1]
            body = b"\n".join(
                b">" + line if line.lstrip(b">").startswith(b"From ") else line for line in mail.split(b"\n")
            )
            handle.write(FROM_LINE + body.rstrip(b"\n") + b"\n\n")
    return path


def _msgid(mail: bytes) -> str | None:
    for line in mail.split(b"\n"):
        if line.lower().startswith(b"message-id:"):
            return line.split(b"<", 1)[1].split(b">", 1)[0].decode()
        if line == b"":
            return None
    return None


def _set_msgid(mail: bytes, msgid: str) -> bytes:
    lines = mail.split(b"\n")
    for index, line in enumerate(lines):
        if line.lower().startswith(b"message-id:"):
            lines[index] = f"Message-ID: <{msgid}>".encode()
            break
        if line == b"":
            lines.insert(index, f"Message-ID: <{msgid}>".encode())
            break
    return b"\n".join(lines)


# Transports: the same mail as other mailers and relays send it.

_TRANSPORT = (b"content-type:", b"content-transfer-encoding:", b"mime-version:")


def split_mail(mail: bytes) -> tuple[bytes, bytes]:
    """Header block (without format-patch's ``From <sha>`` line) and body."""
    if mail.startswith(b"From ") and b"\n" in mail:
        first, rest = mail.split(b"\n", 1)
        if not first[5:].lstrip().lower().startswith(b"mboxrd") and b"@" not in first:
            mail = rest
    head, _, body = mail.partition(b"\n\n")
    return head, body


def _head_without_transport(head: bytes) -> bytes:
    return b"\n".join(line for line in head.split(b"\n") if not line.lower().startswith(_TRANSPORT))


def reencode(mail: bytes, encoding: str, charset: str = "utf-8", crlf: bool = False) -> bytes:
    """The mail with its body in ``charset`` and sent as ``base64`` or ``quoted-printable``.

    ``crlf`` puts CRLF line ends inside the encoded body (an Exchange relay does).
    """
    import base64
    import quopri

    head, body = split_mail(mail)
    data = body.decode("utf-8").encode(charset)
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    encoded = base64.encodebytes(data) if encoding == "base64" else quopri.encodestring(data)
    head = (
        _head_without_transport(head)
        + (
            f'\nMIME-Version: 1.0\nContent-Type: text/plain; charset="{charset}"\nContent-Transfer-Encoding: {encoding}'
        ).encode()
    )
    return head + b"\n\n" + encoded


def as_flowed(mail: bytes, delsp: bool = True, break_word: str | None = None) -> bytes:
    """The mail as ``format=flowed``: lines space-stuffed, and ``break_word`` soft-broken in two."""
    head, body = split_mail(mail)
    lines = []
    for line in body.decode("utf-8").split("\n"):
        if line.startswith((" ", ">", "From ")):
            line = " " + line
        if break_word and break_word in line and not line.startswith((" ", "+", "-", "@")):
            cut = line.index(break_word) + len(break_word) // 2
            # A soft break: the line ends in a space; with delsp=yes that space is not part of the text.
            lines += [line[:cut] + " ", line[cut:]]
            continue
        lines.append(line)
    params = "format=flowed; delsp=yes" if delsp else "format=flowed"
    head = (
        _head_without_transport(head)
        + (
            f'\nMIME-Version: 1.0\nContent-Type: text/plain; charset="utf-8"; {params}\nContent-Transfer-Encoding: 8bit'
        ).encode()
    )
    return head + b"\n\n" + "\n".join(lines).encode()


def with_crlf_body(mail: bytes) -> bytes:
    """CRLF line ends in the body only, as sent 8bit by some mailers."""
    head, body = split_mail(mail)
    return head + b"\n\n" + body.replace(b"\n", b"\r\n")


def as_attachment(mail: bytes, encoding: str = "8bit") -> bytes:
    """The commit message inline, the diff (from ``---`` on) as a ``text/x-patch`` attachment."""
    import base64

    head, body = split_mail(mail)
    message, _, patch = body.partition(b"\n---\n")
    patch = b"---\n" + patch
    if encoding == "base64":
        patch = base64.encodebytes(patch)
    boundary = b"=-=-=aptool-test-boundary=-=-="
    head = (
        _head_without_transport(head)
        + b'\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="'
        + boundary
        + b'"'
    )
    parts = [
        b"--" + boundary,
        b'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: 8bit\n',
        message + b"\n",
        b"--" + boundary,
        b'Content-Type: text/x-patch; charset="utf-8"; name="0001-fix.patch"\n'
        b'Content-Disposition: attachment; filename="0001-fix.patch"\n'
        b"Content-Transfer-Encoding: " + encoding.encode() + b"\n",
        patch,
        b"--" + boundary + b"--",
        b"",
    ]
    return head + b"\n\n" + b"\n".join(parts)


def set_header(mail: bytes, name: str, value: str) -> bytes:
    """Replace (or add) one header of the mail."""
    head, body = split_mail(mail)
    lines = head.split(b"\n")
    key = name.lower().encode() + b":"
    kept: list[bytes] = []
    skipping = False
    for line in lines:
        if line[:1] in (b" ", b"\t") and skipping:
            continue
        skipping = line.lower().startswith(key)
        if not skipping:
            kept.append(line)
    kept.append(f"{name}: {value}".encode())
    return b"\n".join(kept) + b"\n\n" + body
