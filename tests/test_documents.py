"""Loading: encodings detected, markup removed, characters never normalised, bad files named."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotate.documents import DocumentError, doc_id_for, iter_paths, load_document

SOURCE = "documents/traditional.txt"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "gb18030", "big5"])
def test_encodings_are_detected(tmp_path: Path, fixtures_dir: Path, encoding: str) -> None:
    text = (fixtures_dir / SOURCE).read_text(encoding="utf-8")
    if encoding == "gb18030":
        text = text.replace("區長孫碩", "区长孙硕")  # a Simplified text, as GB-encoded files usually are
    path = tmp_path / f"doc-{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    doc = load_document(path)
    assert doc.text == text
    assert doc.doc_id == doc_id_for(text)


def test_characters_are_kept_as_written(tmp_path: Path) -> None:
    raw = "\u3000\u3000第一段，ＰＭ２.５。\r\n區長說𠀀\r\n"
    path = tmp_path / "raw.txt"
    path.write_bytes(raw.encode("utf-8"))
    assert load_document(path).text == raw


def test_front_matter_becomes_metadata(fixtures_dir: Path) -> None:
    doc = load_document(fixtures_dir / "documents" / "front_matter.md")
    assert doc.metadata["title"] == "测试标题"
    assert doc.metadata["date"].startswith("2023-05-13")
    assert doc.text == "昨天下午，市委召开月度工作点评会。\n"


def test_html_tags_scripts_and_styles_are_removed(fixtures_dir: Path) -> None:
    doc = load_document(fixtures_dir / "documents" / "page.html")
    assert "不应出现" not in doc.text and "color" not in doc.text and "<" not in doc.text
    assert doc.text.splitlines()[-2:] == ["会议指出，要持续狠抓“解决率”。", "会议强调，要抓好落实&见效。"]


def test_html_fragment_in_txt_seed_is_cleaned(seeds_dir: Path) -> None:
    doc = load_document(seeds_dir / "001_7fbc296d44d6aab6.txt")
    assert "<p>" not in doc.text and "layout:" not in doc.text
    assert doc.metadata["date"].startswith("2022-03-01")


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "empty file"), (b"\x00\x01\x02\x03binary\x00\xff\xfe\x00", "binary"), (b"   \n\n", "no text")],
)
def test_bad_files_get_one_line_errors_naming_the_file(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(DocumentError) as info:
        load_document(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message and reason in message


def test_size_limit_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("字" * 100, encoding="utf-8")
    with pytest.raises(DocumentError, match="too large"):
        load_document(path, max_bytes=50)
    assert load_document(path, max_bytes=1000).text == "字" * 100


def test_iter_paths_recurses_folders_in_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    for name in ("b/2.md", "1.txt", "skip.pdf", "b/.hidden.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in iter_paths([tmp_path])] == ["1.txt", "b/2.md"]
