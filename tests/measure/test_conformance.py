"""The conformance run: per report, whether its numbering runs 1..N and its facts are found, and why not."""

from __future__ import annotations

import shutil
from pathlib import Path

from qa_app.app.cli import main
from qa_app.measure.conformance import check_folder, check_report, describe, summary

OFSTED = Path(__file__).resolve().parents[1] / "fixtures" / "ofsted"


def _folder(tmp_path: Path, manifest: str) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(OFSTED / "knowsley-2021-12-03.pdf", folder)
    (folder / "notes.md").write_text("# Not a PDF\n\n1. Left out of a PDF conformance run.\n")
    (folder / "broken.pdf").write_bytes(b"")
    (folder / "MANIFEST.csv").write_text(manifest)
    return folder


def test_a_conforming_report_is_numbered_one_to_n_with_every_fact(tmp_path):
    result = check_report(OFSTED / "knowsley-2021-12-03.pdf", "ILACS")
    assert result.ok and result.contiguous and result.paragraphs == 41 and result.pages == 10
    assert result.missing_facts == () and result.seconds > 0
    assert describe(result).startswith("ok   knowsley-2021-12-03.pdf: 41 paragraphs, 10 pages, ILACS")


def test_unreadable_report_and_framework_the_manifest_disputes_are_named(tmp_path):
    folder = _folder(tmp_path, "file,framework\nknowsley-2021-12-03.pdf,SIF\nbroken.pdf,ILACS\n")
    results = {r.name: r for r in check_folder(folder)}
    assert sorted(results) == ["broken.pdf", "knowsley-2021-12-03.pdf"]  # PDFs only
    assert "framework 'ILACS', MANIFEST says 'SIF'" in describe(results["knowsley-2021-12-03.pdf"])
    assert describe(results["broken.pdf"]).startswith("FAIL broken.pdf:") and "is empty" in results["broken.pdf"].error
    assert summary(list(results.values())).startswith("0 of 2 reports conform (1 numbered 1..N, 1 unreadable)")


def test_conformance_command_prints_a_line_per_report_and_a_summary(tmp_path, capsys):
    folder = _folder(tmp_path, "file,framework\nknowsley-2021-12-03.pdf,ILACS\n")
    (folder / "broken.pdf").unlink()
    assert main(["conformance", str(folder)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("ok   knowsley-2021-12-03.pdf")
    assert out[-2].startswith("1 of 1 reports conform")
    assert out[-1] == "  ILACS: 1 reports, judgements on 41 of 41 paragraphs in judged sections (100.0%)"
