"""Reading export files as text whatever encoding the vendor used.

Why not charset-normalizer: on short bibliographic files it guesses among
dozens of code pages and sometimes picks an exotic one (mojibake), while the
exports we meet are only ever UTF-8 (with or without BOM), UTF-16 (Windows
EndNote, some Ovid and ProQuest downloads) or a Windows code page. A fixed
order of strict decodes is faster, predictable and tested.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from corpus.errors import ImportFormatError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes, path: str) -> str:
    """Decode an export file's bytes to text.

    Args:
        data: The file's content.
        path: The file's name, for error messages.

    Returns:
        The text with newlines normalised to ``\\n`` and no BOM.

    Raises:
        ImportFormatError: for binary data that is no text file at all.
    """
    text = None
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise ImportFormatError(
                    path, f"not valid {codec} text (byte {exc.start}); re-export the file as UTF-8"
                ) from None
            break
    if text is None:
        text = _decode_without_bom(data, path)
    if "\x00" in text or _looks_binary(text):
        raise ImportFormatError(
            path,
            "is a binary file, not a bibliographic export; export as RIS, BibTeX, "
            "MEDLINE, CSV or EndNote XML",
        )
    if "\ufeff" in text:
        # Exports joined with ``cat a.ris b.ris`` (or ``copy /b``) keep each
        # part's BOM mid-file, where it hides the next ``TY  -``/``PMID-``
        # and the record would be skipped silently. A BOM is never content.
        text = text.replace("\ufeff", "")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(path: Path, display: str | None = None) -> str:
    """Read and decode a file; see :func:`decode`."""
    name = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFormatError(name, f"cannot read file: {exc.strerror}") from None
    return decode(data, name)


def _decode_without_bom(data: bytes, path: str) -> str:
    sample = data[:4000]
    # UTF-16 without BOM: every other byte is NUL in ASCII-heavy text.
    if len(sample) >= 4:
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        half = len(sample) // 2
        if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
            return _strict(data, "utf-16-le", path)
        if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
            return _strict(data, "utf-16-be", path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Windows exports (EndNote, older Ovid) use cp1252; its five undefined
    # bytes fall back to latin-1 so decoding never fails here.
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _strict(data: bytes, codec: str, path: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise ImportFormatError(path, f"not valid {codec} text (byte {exc.start})") from None


def _looks_binary(text: str) -> bool:
    """True when control characters show the file is not text."""
    sample = text[:8000]
    if not sample:
        return False
    controls = sum(1 for ch in sample if ch < " " and ch not in "\n\r\t\f\v")
    return controls > max(2, len(sample) // 100)
