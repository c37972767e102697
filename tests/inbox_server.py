"""A real public-inbox v2 inbox served by public-inbox-httpd on 127.0.0.1, for tests.

The inbox is created with public-inbox-init, filled with public-inbox's own
importer (one Perl process for every mbox, instead of one public-inbox-mda
per message) and indexed at full level, so ``dfpost:``/``patchid:`` searches
work as on lore.kernel.org.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

LIST_NAME = "linux-s390"
LIST_ADDRESS = "linux-s390@lists.example.org"

_IMPORT = r"""
use strict;
use PublicInbox::Config;
use PublicInbox::InboxWritable;
my $cfg = PublicInbox::Config->new;
my $ibx = $cfg->lookup_name(shift @ARGV) or die "no such inbox\n";
$ibx = PublicInbox::InboxWritable->new($ibx);
for my $file (@ARGV) {
    open(my $fh, '<', $file) or die "open $file: $!\n";
    $ibx->import_mbox($fh, 'mboxrd');
}
"""


def public_inbox_available() -> bool:
    return shutil.which("public-inbox-httpd") is not None and shutil.which("public-inbox-init") is not None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class InboxServer:
    """A running public-inbox-httpd; ``url`` is the inbox's base URL."""

    root: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{LIST_NAME}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_inbox(root: Path, mboxes: list[Path]) -> InboxServer:
    """Create, fill and serve an inbox holding every message of ``mboxes``."""
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = dict(os.environ, PI_CONFIG=str(root / "config"), HOME=str(root))
    inbox_dir = root / "inbox"
    subprocess.run(
        [
            "public-inbox-init",
            "-V2",
            "-L",
            "full",
            LIST_NAME,
            str(inbox_dir),
            f"http://127.0.0.1:{port}/{LIST_NAME}",
            LIST_ADDRESS,
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    subprocess.run(
        ["git", "config", "--file", str(root / "config"), "publicinboxmda.spamcheck", "none"],
        check=True,
        env=env,
    )
    subprocess.run(["perl", "-e", _IMPORT, LIST_NAME, *map(str, mboxes)], check=True, env=env, capture_output=True)
    log = open(root / "httpd.log", "wb")
    process = subprocess.Popen(
        ["public-inbox-httpd", "-l", f"http://127.0.0.1:{port}"], env=env, stdout=log, stderr=log
    )
    server = InboxServer(root, port, process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"public-inbox-httpd exited: {(root / 'httpd.log').read_text()}")
        try:
            with urllib.request.urlopen(server.url + "/", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("public-inbox-httpd did not answer within 30 s")
