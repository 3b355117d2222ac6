"""The payload tree shows path, type and value, and reports double-clicked paths."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from postback_studio.ui.payload_tree import PayloadTree, path_text
from tests.fixtures import shipped_payload


def make_tree(qtbot: QtBot) -> PayloadTree:
    tree = PayloadTree()
    qtbot.addWidget(tree)
    tree.resize(500, 600)
    tree.set_payload(shipped_payload())
    tree.show()
    return tree


def test_columns_show_type_and_sample(qtbot: QtBot) -> None:
    tree = make_tree(qtbot)
    item = tree.find_item(("items", 0, "fulfillments", 0, "trackingCode"))
    assert item is not None
    assert [item.text(c) for c in range(3)] == ["trackingCode", "string", '"1Z999AA10123456784"']
    items = tree.find_item(("items",))
    assert items is not None and items.text(1) == "array[2]"
    assert items.child(1).text(0) == "[1]"
    assert item.toolTip(0) == "items[0].fulfillments[0].trackingCode"
    store = tree.find_item(("storeId",))
    assert store is not None and store.text(1) == "null"


def test_double_click_emits_path_segments(qtbot: QtBot) -> None:
    tree = make_tree(qtbot)
    item = tree.find_item(("items", 1, "fulfillments", 0, "trackingUrl"))
    assert item is not None
    tree.scrollToItem(item)
    rect = tree.visualItemRect(item)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(tree.path_activated) as activated:
        qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert activated.args == [("items", 1, "fulfillments", 0, "trackingUrl")]


def test_enter_emits_current_path(qtbot: QtBot) -> None:
    tree = make_tree(qtbot)
    tree.setCurrentItem(tree.find_item(("orderId",)))
    with qtbot.waitSignal(tree.path_activated) as activated:
        qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert activated.args == [("orderId",)]


def test_scalar_payload_and_path_text(qtbot: QtBot) -> None:
    tree = PayloadTree()
    qtbot.addWidget(tree)
    tree.set_payload("just text")
    assert tree.topLevelItem(0).text(1) == "string"
    assert path_text(("a b", 0, "c")) == "a b[0].c"
