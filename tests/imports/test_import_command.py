"""The operator's import command: the same importers, as a named person."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tests.imports.helpers import csv_file
from tests.permissions import assert_audited
from waypoint.clients.models import Client

HEADER = ["kind", "name", "postcode"]


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_records", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_command_imports_as_the_named_person(cast, tmp_path) -> None:
    path = tmp_path / "clients.csv"
    path.write_bytes(csv_file(HEADER, [["business", "Acme", "NE1 4ST"], ["business", "B", ""]]))
    common = [str(path), "--organisation", cast.hub.name, "--user", "mary"]
    assert "2 clients would be imported" in _run("clients", *common, "--dry-run")
    assert not Client.objects.exists()
    with assert_audited([(Client, "create")] * 2):
        assert "2 clients imported" in _run("clients", *common)
    assert set(Client.objects.values_list("created_by__username", flat=True)) == {"mary"}


def test_the_command_refuses_errors_and_people_without_the_role(cast, tmp_path) -> None:
    path = tmp_path / "clients.csv"
    path.write_bytes(csv_file(HEADER, [["business", "", "NE1 4ST"]]))
    with pytest.raises(CommandError, match="Nothing imported: 1 problem"):
        _run("clients", str(path), "--organisation", cast.hub.name, "--user", "mary")
    with pytest.raises(CommandError, match="may not import clients"):
        _run("clients", str(path), "--organisation", cast.hub.name, "--user", "carl")
    with pytest.raises(CommandError, match="Unknown kind"):
        _run("widgets", str(path), "--organisation", cast.hub.name, "--user", "mary")
