"""The Problems list orders, labels and activates diagnostics."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from postback_studio.core.render.result import Diagnostic, Location, Severity, Where
from postback_studio.ui.problems import ProblemsList, where_text

WARNING = Diagnostic(
    Severity.WARNING,
    "unresolved-field",
    "items[].carrierName is not in the payload",
    Location(Where.TEMPLATE, 12, 18),
)
ERROR = Diagnostic(Severity.ERROR, "json-syntax", "expecting ','", Location(Where.OUTPUT, 7, 3))
INFO = Diagnostic(Severity.INFO, "lookup-miss", "no carrier for ups_surepost")


def make_list(qtbot: QtBot) -> ProblemsList:
    problems = ProblemsList()
    qtbot.addWidget(problems)
    problems.resize(700, 300)
    problems.set_diagnostics([WARNING, INFO, ERROR])
    problems.show()
    return problems


def test_rows_are_ordered_and_labelled(qtbot: QtBot) -> None:
    problems = make_list(qtbot)
    rows = [[problems.topLevelItem(r).text(c) for c in range(4)] for r in range(3)]
    assert rows[0] == ["error", "expecting ','", "output 7:3", "json-syntax"]
    assert rows[1][2] == "template 12:18"
    assert rows[2][2] == ""
    assert problems.summary() == "1 error, 1 warning, 1 info"
    assert not problems.topLevelItem(0).icon(0).isNull()


def test_double_click_and_enter_activate(qtbot: QtBot) -> None:
    problems = make_list(qtbot)
    rect = problems.visualItemRect(problems.topLevelItem(1))
    qtbot.mouseClick(problems.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(problems.problem_activated) as clicked:
        qtbot.mouseDClick(problems.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert clicked.args == [WARNING]
    problems.setCurrentItem(problems.topLevelItem(0))
    with qtbot.waitSignal(problems.problem_activated) as entered:
        qtbot.keyClick(problems, Qt.Key.Key_Return)
    assert entered.args == [ERROR]


def test_empty_and_where_text(qtbot: QtBot) -> None:
    problems = ProblemsList()
    qtbot.addWidget(problems)
    problems.set_diagnostics([])
    assert problems.summary() == "No problems"
    assert where_text(Location(Where.TEMPLATE, 1, 4, part="subject")) == "template (subject) 1:4"
