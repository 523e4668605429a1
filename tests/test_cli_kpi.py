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
