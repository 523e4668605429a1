"""Commissioners on the command line: several services, totals only."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import json_out, run


def test_create_a_commissioner_with_their_services(tmp_path: Path) -> None:
    for name in ("North", "South", "West"):
        json_out(run(tmp_path, "admin", "create-service", "--name", name, "--json"))
    made = json_out(run(tmp_path, "--json", "admin", "create-staff", "--role", "commissioner",
                        "--services", "North,South", "--name", "Cara Commissioner",
                        "--email", "cara@ics.example"))
    assert made["services"] == ["North", "South"]
    listed = json_out(run(tmp_path, "admin", "list", "staff", "--json"))
    assert "cara@ics.example" in str(listed)

    missing = run(tmp_path, "--json", "admin", "create-staff", "--role", "commissioner",
                  "--name", "No Services", "--email", "none@ics.example")
    assert missing.returncode != 0 and "--services" in missing.stderr + missing.stdout
    unknown = run(tmp_path, "--json", "admin", "create-staff", "--role", "commissioner",
                  "--services", "North,Nowhere", "--name", "X", "--email", "x@ics.example")
    assert unknown.returncode != 0 and "Nowhere" in unknown.stderr + unknown.stdout
    not_lead = run(tmp_path, "--json", "admin", "create-staff", "--role", "lead",
                   "--services", "North", "--name", "Y", "--email", "y@ics.example")
    assert not_lead.returncode != 0
    on_call = run(tmp_path, "--json", "admin", "set-on-call", "--email", "cara@ics.example")
    assert on_call.returncode != 0 and "totals only" in on_call.stderr + on_call.stdout


def test_report_kpi_writes_the_one_page_pdf(tmp_path: Path) -> None:
    from web import pdf

    if pdf.missing() is not None:
        import pytest

        pytest.skip(f"PDFs cannot be made here: {pdf.missing()}")
    from pypdf import PdfReader

    json_out(run(tmp_path, "admin", "create-service", "--name", "North", "--json"))
    done = json_out(run(tmp_path, "report", "kpi", "--service", "North", "--from", "2026-01",
                        "--to", "2026-06", "--pdf", "north.pdf", "--json"))
    assert done["pdf"] == "north.pdf"
    reader = PdfReader(tmp_path / "north.pdf")
    assert len(reader.pages) == 1
    assert "Felt listened to: North" in reader.pages[0].extract_text()


def test_report_kpi_says_clearly_when_pango_is_missing(
    tmp_path: Path, monkeypatch, capsys  # type: ignore[no-untyped-def]
) -> None:
    from app import cli
    from web import pdf

    json_out(run(tmp_path, "admin", "create-service", "--name", "North", "--json"))
    monkeypatch.chdir(tmp_path)
    for key in [k for k in __import__("os").environ if k.startswith("HEARD_")]:
        monkeypatch.delenv(key)

    def no_pango() -> None:
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(pdf, "_import_weasyprint", no_pango)
    code = cli.main(["report", "kpi", "--service", "North", "--pdf", "north.pdf"])
    err = capsys.readouterr().err
    assert code == 2
    assert "cannot make the PDF" in err and "Pango is missing" in err and "apt-get install" in err
    assert not (tmp_path / "north.pdf").exists()
