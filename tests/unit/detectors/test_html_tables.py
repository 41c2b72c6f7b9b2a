"""Red team RT-153: a password in an HTML table under a ``Password`` header cell is found
as in the pipe table a renderer shows (the ``html_table`` view); tables without a secret,
a placeholder cell and ordinary HTML stay allowed."""

from __future__ import annotations

import pytest

from detectors.normalise import normalise

FOUND = [
    "<table><tr><th>Username</th><th>Password</th></tr>"
    "<tr><td>jsmith</td><td>Gr4nary&Wharf19</td></tr></table>",
    "<table>\n <tr><th>System</th><th>Login</th><th>Password</th></tr>\n"
    " <tr><td>HR portal</td><td>admin</td><td>Leeds#Quarry2025</td></tr>\n</table>",
    "<table>\n  <tr>\n    <th>User</th>\n    <th>Password</th>\n  </tr>\n  <tr>\n"
    "    <td>svc_backup</td>\n    <td>Kettle-Biscuit42</td>\n  </tr>\n</table>",
    "<TABLE><TR><TH class='h'>User</TH><TH>Passwd</TH></TR>"
    "<TR><TD><b>root</b></TD><TD>Otter99!brook</TD></TR></TABLE>",
]

ALLOWED = [
    "<table><tr><th>Name</th><th>Role</th></tr><tr><td>Alpha</td><td>Lead</td></tr></table>",
    "<table><tr><th>Setting</th><th>Password policy</th></tr>"
    "<tr><td>Minimum length</td><td>12 characters</td></tr></table>",
    "<table><tr><th>User</th><th>Password</th></tr>"
    "<tr><td>jsmith</td><td>${DB_PASSWORD}</td></tr></table>",
    "<p>Hello <b>world</b>, see the <a href='/x'>table</a> below.</p>",
]


@pytest.mark.parametrize("text", FOUND)
def test_a_password_in_an_html_table_is_found(engine, text: str) -> None:
    assert "CREDENTIALS" in engine.scan(text).categories, text


@pytest.mark.parametrize("text", ALLOWED)
def test_tables_without_a_secret_pass(engine, text: str) -> None:
    assert "CREDENTIALS" not in engine.scan(text).categories, text


def test_the_view_reads_rows_as_a_pipe_table() -> None:
    (view,) = [v for v in normalise(FOUND[0]) if v.origin == "html_table"]
    assert "| Username | Password |\n| jsmith | Gr4nary&Wharf19 |" in view.text
    start = view.text.index("Gr4nary")
    assert FOUND[0][slice(*view.to_original(start, start + 15))] == "Gr4nary&Wharf19"


def test_text_without_table_cells_gets_no_table_view() -> None:
    assert [v.origin for v in normalise("<p>Hello <b>world</b></p>")] == ["text"]
