"""The handover, account and audit commands, run as an operator would (subprocesses)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.support.photos import photo_with_everything
from tests.test_cli import json_out, run


def _setup(tmp_path: Path) -> str:
    json_out(run(tmp_path, "admin", "create-service", "--name", "North", "--json"))
    for name, email, role in (("Alex Morgan", "alex@north.example", "keyworker"),
                              ("Kim Osei", "kim@north.example", "keyworker")):
        json_out(run(tmp_path, "admin", "create-staff", "--service", "North", "--name", name,
                     "--email", email, "--role", role, "--json"))
    person = json_out(run(tmp_path, "admin", "create-young-person", "--service", "North",
                          "--keyworker", "alex@north.example", "--nickname", "Sam", "--json"))
    return str(person["young_person_id"])


def test_handover_accounts_and_audit_from_the_command_line(tmp_path: Path) -> None:
    sam = _setup(tmp_path)
    photo = tmp_path / "kim.jpg"
    photo.write_bytes(photo_with_everything())
    handed = json_out(run(tmp_path, "admin", "assign-keyworker", "--young-person", sam,
                          "--keyworker", "kim@north.example", "--note", "Mornings are hard.",
                          "--hello", "Hi Sam, I'm Kim.", "--photo", str(photo), "--json"))
    assert handed["keyworker"] == "kim@north.example" and handed["photo"] is True
    assert handed["previous_keyworker"] == "alex@north.example"

    history = json_out(run(tmp_path, "admin", "assignments", "--young-person", sam, "--json"))
    assert [(a["email"], a["current"]) for a in history["assignments"]] == [
        ("kim@north.example", True), ("alex@north.example", False)]

    reset = json_out(run(tmp_path, "admin", "reset-password", "--email", "kim@north.example",
                         "--json"))
    assert reset["must_change_password"] is True and len(reset["password"]) >= 16

    off = json_out(run(tmp_path, "admin", "deactivate-staff", "--email", "kim@north.example",
                       "--json"))
    assert off["young_people_needing_keyworker"] == [sam]
    waiting = json_out(run(tmp_path, "admin", "list-unassigned", "--service", "North", "--json"))
    assert [(w["young_person_id"], w["last_keyworker"]) for w in waiting["needs_a_keyworker"]] == [
        (sam, "Kim Osei")]

    about_sam = json_out(run(tmp_path, "admin", "audit", "--young-person", sam, "--json"))
    actions = [e["action"] for e in about_sam["entries"]]
    assert actions == ["keyworker.unassigned", "keyworker.assigned", "young_person.created"]
    accounts = json_out(run(tmp_path, "admin", "audit", "--action", "staff.*", "--from",
                            "2000-01-01", "--to", "2100-12-31", "--per-page", "2", "--json"))
    assert [e["action"] for e in accounts["entries"]] == ["staff.deactivated",
                                                          "staff.password_reset"]
    assert accounts["total"] == 4 and accounts["pages"] == 2  # + two staff.created
    # The password never reaches the audit log.
    assert reset["password"] not in json.dumps(accounts)

    out = tmp_path / "exports" / "audit.csv"
    exported = json_out(run(tmp_path, "admin", "audit", "--csv", str(out), "--json"))
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == exported["rows"] and {"keyworker.assigned", "staff.deactivated"} <= {
        r["action"] for r in rows}


def test_bad_input_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    sam = _setup(tmp_path)
    not_a_photo = tmp_path / "notes.txt"
    not_a_photo.write_text("hello")
    cases = [
        (["admin", "assign-keyworker", "--young-person", sam, "--keyworker", "nobody@north.example",
          "--note", "n"], "no staff member 'nobody@north.example'"),
        (["admin", "assign-keyworker", "--young-person", sam, "--keyworker", "kim@north.example",
          "--note", "n", "--photo", str(tmp_path / "missing.jpg")], "cannot read the photo"),
        (["admin", "assign-keyworker", "--young-person", sam, "--keyworker", "kim@north.example",
          "--note", "n", "--photo", str(not_a_photo)], "not a photo we can read"),
        (["admin", "assignments", "--young-person", "nobody"], "no young person 'nobody'"),
        (["admin", "deactivate-staff", "--email", "nobody@north.example"], "no staff member"),
        (["admin", "reset-password", "--email", "nobody@north.example"], "no staff member"),
        (["admin", "list-unassigned", "--service", "Nowhere"], "no service called 'Nowhere'"),
        (["admin", "audit", "--from", "23/11/2026"], "not a date like 2026-11-23"),
        (["admin", "audit", "--from", "2026-12-02", "--to", "2026-12-01"], "after"),
        (["admin", "audit", "--per-page", "0"], "not a whole number"),
        (["admin", "audit", "--staff", "nobody@north.example"], "no staff member"),
    ]
    for args, message in cases:
        result = run(tmp_path, *args, "--json")
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
    # A refused handover changed nothing.
    history = json_out(run(tmp_path, "admin", "assignments", "--young-person", sam, "--json"))
    assert len(history["assignments"]) == 1
