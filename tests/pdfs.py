"""Real PDF files for tests, written byte by byte (no PDF library in the way)."""

from __future__ import annotations

from pathlib import Path


def text_pdf(path: Path, lines: list[str]) -> Path:
    """Write a one-page PDF whose text layer holds ``lines`` (Helvetica)."""
    ops = ["BT", "/F1 12 Tf", "72 720 Td", "14 TL"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({escaped}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    return _write(path, objects)


def stalling_pdf(
    path: Path, pages: int, stream_bytes: int, first_lines: list[str] | None = None
) -> Path:
    """Write the hostile PDF of issue 18: ``pages`` pages sharing one large flate stream.

    The shared content stream holds ``stream_bytes`` of text operators and
    compresses about 300:1, so a file of a few KB makes pypdf parse megabytes
    for every page. With ``first_lines`` a normal first page comes before them.
    """
    import zlib

    unit = b"(Stalling text for a reader) Tj 0 -1 Td\n"
    ops = b"BT /F1 1 Tf 72 720 Td\n" + unit * max(1, stream_bytes // len(unit)) + b"ET\n"
    packed = zlib.compress(ops, 9)
    shared = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the pages' numbers are known
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        shared + b"\nendstream",
    ]
    kids = []
    if first_lines:
        body = " T* ".join(
            "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") Tj"
            for line in first_lines
        )
        first = f"BT /F1 12 Tf 72 720 Td 14 TL {body} ET".encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(first) + first + b"\nendstream")
        objects.append(_page(len(objects)))
        kids.append(len(objects))
    for _ in range(pages):
        objects.append(_page(4))
        kids.append(len(objects))
    refs = b" ".join(b"%d 0 R" % k for k in kids)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids))
    return _write(path, objects)


def _page(contents: int) -> bytes:
    return (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % contents
    )


def _write(path: Path, objects: list[bytes]) -> Path:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path
