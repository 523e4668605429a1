"""Operators see and fix things from the command line (real subprocesses): list,
check, alerts, new-link, reset-pin, create-staff --no-email, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import json_out, run


def setup_north(tmp_path: Path) -> dict[str, str]:
    run(tmp_path, "admin", "create-service", "--name", "North")
    alex = json_out(run(tmp_path, "admin", "create-staff", "--service", "North", "--name",
                        "Alex Morgan", "--email", "alex@north.example", "--role", "keyworker",
                        "--json"))
    quiet = json_out(run(tmp_path, "admin", "create-staff", "--service", "North", "--name",
                         "Kit Quiet", "--email", "kit@north.example", "--role", "lead",
                         "--no-email", "--json"))
    person = json_out(run(tmp_path, "admin", "create-young-person", "--service", "North",
                          "--keyworker", "alex@north.example", "--nickname", "Zephyrine",
                          "--unit", "Oak", "--json"))
    return {"alex": alex["staff_id"], "kit": quiet["staff_id"],
            "person": person["young_person_id"], "web_link": person["web_link"]}


MAIL = {"HEARD_SMTP_URL": "smtp://127.0.0.1:2525", "HEARD_MAIL_FROM": "heard@north.example"}


def test_list_and_check_show_ids_routes_and_what_is_missing(tmp_path: Path) -> None:
    ids = setup_north(tmp_path)
    services = json_out(run(tmp_path, "admin", "list", "services", "--json"))["services"]
    assert [s["name"] for s in services] == ["North"]
    staff = json_out(run(tmp_path, "admin", "list", "staff", "--service", "North", "--json"))
    by_email = {s["email"]: s for s in staff["staff"]}
    assert by_email["kit@north.example"]["email_allowed"] is False  # --no-email was kept
    assert by_email["alex@north.example"]["email_allowed"] is True
    people = run(tmp_path, "admin", "list", "young-people", "--json")
    assert "Zephyrine" not in people.stdout  # the nickname is theirs, not the operator's
    (person,) = json.loads(people.stdout)["young_people"]
    assert person == {**person, "young_person_id": ids["person"], "service": "North",
                      "unit": "Oak", "keyworker": "alex@north.example", "channels": [],
                      "erased": False}
    table = run(tmp_path, "admin", "list", "young-people")
    assert ids["person"] in table.stdout and "Zephyrine" not in table.stdout

    # No Telegram, no mail: nobody in the chain can be reached, and check says why.
    check = json_out(run(tmp_path, "admin", "check", "--json"))
    assert check["ok"] is False and check["unreachable"] == [ids["person"]]
    (row,) = check["young_people"]
    assert row["reachable"] is False
    assert any("alex@north.example" in m and "email is off" in m for m in row["missing"])
    assert any("kit@north.example" in m and "--no-email" in m for m in row["missing"])
    assert "nobody is on call (admin set-on-call --email EMAIL)" in row["missing"]
    text = run(tmp_path, "admin", "check", "--service", "North")
    assert "NOBODY" in text.stdout and "missing:" in text.stdout

    # With mail configured, Alex (but not Kit) is reachable by email.
    check = json_out(run(tmp_path, "admin", "check", "--json", env=MAIL))
    assert check["ok"] is True and check["email"] == "on"
    circles = check["young_people"][0]["circles"]
    assert circles["keyworker"][0]["routes"] == ["email"]
    assert circles["lead"][0]["routes"] == []
    assert "every alert chain can reach someone" in run(tmp_path, "admin", "check", env=MAIL).stdout

    alerts = json_out(run(tmp_path, "admin", "alerts", "--open", "--json"))
    assert alerts == {"alerts": []}


def test_new_link_retires_the_old_unused_ones(tmp_path: Path) -> None:
    ids = setup_north(tmp_path)
    fresh = json_out(run(tmp_path, "admin", "new-link", "--young-person", ids["person"],
                         "--channel", "web", "--json"))
    assert set(fresh) == {"young_person_id", "web_link", "expires_at"}
    assert fresh["web_link"].startswith("http://127.0.0.1:8080/j/")
    assert fresh["web_link"] != ids["web_link"]
    both = json_out(run(tmp_path, "admin", "new-link", "--young-person", ids["person"],
                        "--json"))
    assert {"invite_code", "telegram_link", "web_link"} <= set(both)
    staff = json_out(run(tmp_path, "admin", "new-link", "--staff", "ALEX@north.example",
                         "--json"))
    assert staff["staff_id"] == ids["alex"] and staff["invite_code"]
    # Which links still work is checked over HTTP in tests/web/test_operator_links.py.


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["admin", "new-link", "--young-person", "nobody"], "no young person 'nobody'"),
        (["admin", "new-link", "--staff", "who@north.example"], "no staff member"),
        (["admin", "new-link"], "either --young-person ID or --staff EMAIL"),
        (["admin", "reset-pin", "--young-person", "nobody"], "no young person 'nobody'"),
        (["admin", "list", "staff", "--service", "Nowhere"], "no service called 'Nowhere'"),
        (["admin", "check", "--service", "Nowhere"], "no service called 'Nowhere'"),
        (["admin", "list", "people"], "invalid choice"),
    ],
)
def test_operator_errors_are_clear(tmp_path: Path, args: list[str], message: str) -> None:
    run(tmp_path, "admin", "create-service", "--name", "North")
    result = run(tmp_path, *args, "--json")
    assert result.returncode == 2
    assert message in result.stderr
    if "invalid choice" not in message:  # argparse errors come before --json is read
        assert json.loads(result.stdout) == {"error": result.stderr.strip()[len("error: "):]}


def test_an_erased_young_person_gets_no_new_link(tmp_path: Path) -> None:
    ids = setup_north(tmp_path)
    json_out(run(tmp_path, "admin", "erase-young-person", "--young-person", ids["person"],
                 "--json"))
    for args in (["new-link", "--young-person", ids["person"]],
                 ["reset-pin", "--young-person", ids["person"]]):
        result = run(tmp_path, "admin", *args, "--json")
        assert result.returncode == 2 and "was erased" in json.loads(result.stdout)["error"]
    (person,) = json_out(run(tmp_path, "admin", "list", "young-people", "--json"))["young_people"]
    assert person["erased"] is True
    # Erased people raise no alerts: check does not count them.
    assert json_out(run(tmp_path, "admin", "check", "--json"))["young_people"] == []
