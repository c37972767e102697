"""Mutations of mail and C, as the fuzzer made them: truncation, byte flips, deep nesting,
header and MIME damage, huge lines.

A mutation is plain data (:class:`Mutation`), so hypothesis can generate and shrink it and
``benchmarks/fuzz.py`` can draw it from a seeded random generator; :func:`mutate` applies a
list of them to bytes, deterministically, and keeps the result under ``MAX_SIZE``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

MAX_SIZE = 1_500_000
KINDS = ("truncate", "flip", "insert", "delete", "repeat", "hostile", "line")


def _deep(opening: bytes, middle: bytes, closing: bytes, depth: int) -> bytes:
    return opening * depth + middle + closing * depth


def hostile_c(depth: int) -> list[bytes]:
    """C fragments that broke the model: deep nesting of every kind, odd includes, huge macros."""
    return [
        b"\nvoid fz(int x)\n{\n\tmutex_lock(" + _deep(b"f(", b"x", b")", depth) + b");\n}\n",
        b"\nvoid fz(int x)\n{\n" + _deep(b"if (x) {", b"spin_lock(&l);", b"}", depth) + b"\n}\n",
        b"\nvoid fz(int x)\n{\n\tx = " + _deep(b"x ? ", b"1", b" : 0", depth) + b";\n}\n",
        b"\nvoid fz(int x)\n{\n\tif (x) x++;\n" + b"\telse if (x == 2) x++;\n" * depth + b"}\n",
        b"\nint fz = " + _deep(b"(", b"1", b")", depth) + b";\n",
        b"\nstruct fz {" + _deep(b"struct {", b"int a;", b"} b;", depth) + b"};\n",
        b"\nvoid fz(void)\n{\n\tmutex_lock(" + b"a->" * depth + b"lock);\n}\n",
        b'\n#include <li\x80\xaf.h>\n#include "' + b"x" * 5000 + b'.h"\n',
        b"\n#define FZ(x) \\\n" + b"\tx + \\\n" * depth + b"\tx\n",
        b"\nstatic void fz(void) __acquires(" + b"(" * depth + b"\n",
        b"\x00\xff\xfe{{{{" + b"}" * 7 + b"#if\n#else\n#else\n#endif\n",
    ]


def hostile_mail(depth: int) -> list[bytes]:
    """Mail fragments that broke the mail reader: values the standard library rejects, MIME and
    header damage, terminal escapes, trailer lines b4's patterns choke on."""
    return [
        b"Date: Sat, 01 Jan 10000 00:00:00 +0000\n",
        b"Message-ID: <@>\n",
        b"In-Reply-To: <@>\nReferences: <<>> <@@> <>\n",
        b"Subject: [PATCH \x1b]0;owned\x07 1/1] \x1b[2J\r\x9b31m\xe2\x80\xae\n",
        b'Content-Type: multipart/mixed; boundary="b"\n\n'
        + b'--b\nContent-Type: multipart/mixed; boundary="b"\n\n' * depth,
        b"Content-Type: text/plain; charset=no-such-charset\nContent-Transfer-Encoding: base64\n\n@@@@\n",
        b"Signed-off-by: " + b"S" * 3000 + b"\n",
        b"Reviewed-by: " + b"a@b." * 800 + b"\n",
        b"diff --git a/x b/x\nindex 0000000..zzzz 100644\n--- a/x\n+++ b/x\n@@ -1,99999 +1,0 @@\n",
        b"diff --git a/\x1b[31m b/\r\n@@ -0,0 +1 @@\n+" + b"x" * 20000 + b"\n",
        b"\nFrom mboxrd@z Thu Jan  1 00:00:00 1970\nMessage-ID: <fz@example.org>\n\n",
        b"X-Long: " + b"a " * 20000 + b"\n",
        b"Subject: =?utf-8?b?" + b"QUJD" * 500 + b"?= =?bogus?q?x?=\n",
        b"base-commit: " + b"f" * 64 + b"\nprerequisite-patch-id: " + b"0" * 5000 + b"\n",
        b"MIME-Version: 1.0\n" + b"Content-Type: message/rfc822\n\nSubject: x\n" * depth,
        b"References: " + b" ".join(b"<r%d@example.org>" % n for n in range(depth * 10)) + b"\n",
        b"Subject: [PATCH 1/1] " + b"w " * 100_000 + b"\n",
        b"Reviewed-by: A Name Long Enough To Wrap\n <a@example.org>\n",
        b"diff --git a/x b/y\nsimilarity index 90%\ncopy from x\ncopy to y\nindex 1234567..89abcde 100644\n"
        b"--- a/x\n+++ b/y\n@@ -1 +1 @@\n-a\r\n+b\r\n",
    ]


@dataclass(frozen=True)
class Mutation:
    """One edit: what, where (a fraction of the length), how much, and with what."""

    kind: str
    at: float
    size: int
    payload: bytes = b""
    choice: int = 0


def mutate(data: bytes, mutations: Sequence[Mutation], hostile: Sequence[bytes]) -> bytes:
    """``data`` with every mutation applied in turn; never longer than ``MAX_SIZE``."""
    out = bytearray(data)
    for m in mutations:
        pos = min(len(out), max(0, int(m.at * len(out))))
        if m.kind == "truncate":
            del out[pos:]
        elif m.kind == "flip" and out:
            for offset in range(max(1, m.size % 64)):
                index = (pos + offset * 97) % len(out)
                out[index] = (out[index] + 1 + (m.choice % 255)) % 256
        elif m.kind == "insert":
            out[pos:pos] = m.payload
        elif m.kind == "delete":
            del out[pos : pos + m.size]
        elif m.kind == "repeat":
            span = bytes(out[pos : pos + 1 + m.size % 200])
            out[pos:pos] = span * (1 + m.choice % 400)
        elif m.kind == "hostile" and hostile:
            line_start = out.rfind(b"\n", 0, pos) + 1
            out[line_start:line_start] = hostile[m.choice % len(hostile)]
        elif m.kind == "line":  # one huge line
            out[pos:pos] = (m.payload or b"x") * (1 + m.size % 5000)
        if len(out) > MAX_SIZE:
            del out[MAX_SIZE:]
    return bytes(out)


def random_mutations(rng: random.Random, most: int = 4) -> list[Mutation]:
    """A few mutations drawn from ``rng`` (for the long fuzzing run)."""
    found = []
    for _ in range(rng.randint(1, most)):
        payload = bytes(rng.randrange(256) for _ in range(rng.randint(0, 16)))
        found.append(
            Mutation(
                rng.choice(KINDS),
                rng.random(),
                rng.choice([1, 8, 100, 1000, 5000]),
                payload,
                rng.randrange(10_000),
            )
        )
    return found
