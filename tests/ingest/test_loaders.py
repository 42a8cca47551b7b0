"""Loaders on real files: each bad file or line is reported with its reason; the rest goes on."""

import json

from memrag.ingest import loaders
from memrag.ingest.loaders import load_paths


def _pdf(text: str) -> bytes:
    """A minimal one-page PDF with a text layer, offsets computed so that the xref is valid."""
    stream = f"BT /F1 18 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_every_format_loads_with_titles_and_ids(tmp_path):
    (tmp_path / "a.txt").write_text("Plain words.")
    (tmp_path / "b.md").write_text("# Harbour notes\n\nShips arrive at dawn.")
    (tmp_path / "c.html").write_text(
        "<html><head><title>Page</title><script>var x = 1;</script></head><body><p>Visible text.</p></body></html>"
    )
    (tmp_path / "d.pdf").write_bytes(_pdf("Hello PDF world"))
    rows = [{"id": 7, "text": "Row seven.", "title": "T", "metadata": {"k": 1}}, {"text": "No id."}]
    (tmp_path / "e.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    loaded = load_paths([tmp_path])
    assert loaded.errors == []
    by_title = {d.title: d for d in loaded.documents}
    assert by_title["Harbour notes"].id == str(tmp_path / "b.md")
    assert by_title["Page"].text == "Visible text."
    assert "Hello PDF world" in by_title["d"].text
    assert by_title["T"].id == "7" and by_title["T"].metadata == {"k": 1}
    assert len(loaded.documents) == 6


def test_bad_files_and_lines_are_reported_and_the_rest_goes_on(tmp_path, monkeypatch):
    (tmp_path / "good.txt").write_text("Fine.")
    (tmp_path / "empty.txt").write_text("   \n")
    (tmp_path / "binary.txt").write_bytes(b"abc\x00\x01\x02")
    (tmp_path / "latin1.txt").write_bytes("café".encode("latin-1"))
    (tmp_path / "huge.txt").write_text("x" * 2000)
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    lines = ['{"text": "ok"}', "{not json", '["a list"]', '{"text": ""}', '{"text": "t", "metadata": 3}']
    (tmp_path / "rows.jsonl").write_text("\n".join(lines))
    monkeypatch.setattr(loaders, "MAX_DOCUMENT_BYTES", 1000)
    loaded = load_paths([tmp_path])
    reasons = {e.source.replace(str(tmp_path) + "/", ""): e.reason for e in loaded.errors}
    assert "nothing to index" in reasons["empty.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert "limit" in reasons["huge.txt"]
    assert "PDF" in reasons["broken.pdf"]
    assert "not JSON" in reasons["rows.jsonl:2"] and "object" in reasons["rows.jsonl:3"]
    assert "non-empty" in reasons["rows.jsonl:4"] and "metadata" in reasons["rows.jsonl:5"]
    assert sorted(d.text for d in loaded.documents) == ["Fine.", "ok"]


def test_a_missing_path_is_an_error_not_a_crash(tmp_path):
    loaded = load_paths([tmp_path / "nope.txt"])
    assert loaded.documents == [] and "cannot read" in loaded.errors[0].reason
