"""Load source files into Documents: decode, clean, and fix the one text every offset refers to.

Cleaning removes only markup (YAML front matter, HTML tags, scripts and styles); characters are
never normalised, because full-width punctuation, Traditional characters, ``\\u3000`` and
``\\r\\n`` are part of what annotators and models see, and offsets must index the same string.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path

from charset_normalizer import from_bytes

from annotate.core.types import Document

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
SUPPORTED_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm"}

_FRONT_MATTER = re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_HTML_HINT = re.compile(r"<(p|div|br|span|html|body|h[1-6]|li|ul|ol|table|tr|td|script|style)\b[^>]*>", re.I)
_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "section", "article", "header", "footer", "blockquote", "pre", "hr", "title",
}


class DocumentError(Exception):
    """A file that cannot become a document. ``str()`` is one line naming the file."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


def doc_id_for(text: str) -> str:
    """The document's identity is its cleaned text, so the same text always has the same id."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def decode(data: bytes, path: Path | str = "<bytes>") -> str:
    """Decode bytes whose encoding is unknown (UTF-8 ± BOM, UTF-16, GB18030/GBK, Big5)."""
    if not data:
        raise DocumentError(path, "empty file")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None:
        if b"\x00" in data[:4096] and not _looks_utf16(data):
            raise DocumentError(path, "binary file (NUL bytes), not text")
        best = from_bytes(data).best()
        if best is None:
            raise DocumentError(path, "cannot detect the text encoding (binary or corrupt file?)")
        text = str(best)
    if "\x00" in text:
        raise DocumentError(path, "binary file (NUL bytes), not text")
    return text


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4096]
    return sample.count(b"\x00") > len(sample) // 4


class _TextExtractor(HTMLParser):
    """HTML to text: tags dropped, block elements become line breaks, script/style removed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self._newline()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)

    def _newline(self) -> None:
        if self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Strip a YAML front matter block; keep simple ``key: value`` pairs (title, date, …)."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    meta: dict[str, str] = {}
    for line in m.group(1).splitlines():
        if ":" in line and not line.startswith((" ", "\t", "-")):
            key, _, value = line.partition(":")
            meta[key.strip()] = value.strip().strip("\"'")
    return meta, text[m.end() :]


def clean(raw: str, suffix: str = ".txt") -> tuple[str, dict[str, str]]:
    """Turn decoded file content into THE text plus metadata."""
    meta, body = split_front_matter(raw)
    if suffix in (".html", ".htm") or _HTML_HINT.search(body):
        body = html_to_text(body)
    return body, meta


def load_document(path: Path | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read one file into a Document, or raise DocumentError with a one-line reason."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(path, f"cannot read ({exc.strerror or exc})") from exc
    if size > max_bytes:
        raise DocumentError(path, f"too large ({size} bytes > limit {max_bytes})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(path, f"cannot read ({exc.strerror or exc})") from exc
    raw = decode(data, path)
    text, meta = clean(raw, path.suffix.lower())
    if not text.strip():
        raise DocumentError(path, "no text after cleaning (empty document)")
    return Document(doc_id=doc_id_for(text), text=text, source=str(path), metadata=meta)


def iter_paths(paths: Iterable[Path | str]) -> Iterator[Path]:
    """Files named directly, and supported files found recursively in folders, in sorted order."""
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES and not f.name.startswith("."):
                    yield f
        else:
            yield p
