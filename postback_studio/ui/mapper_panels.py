"""The Template Mapper's side panels: which are shown, how the splitters share the room, and
remembering both.

It exists apart from the mapper's view because the panels' layout has rules of its own: a panel
shown again gets room in every splitter it sits in (one dragged shut, or remembered shut, opens at
its default share); sizes wait for the first show to be set, when the splitters have their real
length; what the user left is written to the settings and put back. The view builds the panes and
splitters; this decides their sizes and visibility, and gives the Templates menu its toggles.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QSplitter, QWidget

#: The side panels that can be hidden, by the name the settings and the menu use.
PANELS = ("library", "payload", "preview")
#: The share of each splitter's length its panes get before the user sizes them: the columns
#: (library and sample, the editor, preview and Problems), then each column's panes.
_DEFAULT_WEIGHTS = {"columns": (24, 46, 30), "left": (42, 58), "right": (68, 32), "payload": (60, 40)}
_LAYOUT_KEY = "templates/layout"
#: A side pane with fewer pixels than this is shut (nothing in it can be used).
_SHUT = 40
#: The Templates menu's toggles for the side panels: name, menu text, shortcut.
_PANEL_TOGGLES = (
    ("library", "Show Template Library", "Ctrl+Alt+1"),
    ("payload", "Show Sample Payload", "Ctrl+Alt+2"),
    ("preview", "Show Preview and Problems", "Ctrl+Alt+3"),
)


class MapperPanels(QObject):
    """Shows, hides and sizes the mapper's side panels, and remembers the layout.

    Signals:
        layout_changed(): a side panel was hidden or shown.
    """

    layout_changed = Signal()

    def __init__(
        self,
        splitters: dict[str, QSplitter],
        panel: Callable[[str], QWidget | None],
        parent: QObject | None = None,
    ) -> None:
        """Size ``splitters`` (``columns``, ``left``, ``right``, ``payload``); ``panel`` gives the
        widget of a side panel by name (None while it is not there: the library before it is set)."""
        super().__init__(parent)
        self.splitters = splitters
        self._panel = panel
        self._columns, self._left = splitters["columns"], splitters["left"]
        self._restored_sizes: dict[str, list[int]] = {}
        self._sized = False

    def shown(self, name: str) -> bool:
        """Whether the side panel ``name`` (one of :data:`PANELS`) is shown with room to read it."""
        panel = self._panel(name)
        if panel is None or panel.isHidden():
            return False
        column = 2 if name == "preview" else 0
        return self._columns.sizes()[column] > 0 or not self._columns.isVisible()

    def set_shown(self, name: str, shown: bool) -> None:
        """Show or hide the side panel ``name``.

        A panel shown again gets room in every splitter it sits in (its column, and its place in
        the left column): one that was dragged shut, or remembered shut because it was hidden when
        the layout was saved, opens at its default share.
        """
        panel = self._panel(name)
        if panel is None:
            return
        panel.setVisible(shown)
        column = 2 if name == "preview" else 0
        if column == 0:
            panes = (self._panel("library"), self._panel("payload"))
            self._left.setVisible(not all(pane is None or pane.isHidden() for pane in panes))
        if shown:
            self._open_shut("columns", column)
            if column == 0:
                self._open_shut("left", self._left.indexOf(panel))
        self.layout_changed.emit()

    def _open_shut(self, name: str, index: int) -> None:
        """Give pane ``index`` of splitter ``name`` its default share if it has (almost) none."""
        splitter = self.splitters[name]
        if not self._sized:
            # Not laid out yet: a remembered size that shuts the pane gives way to the defaults.
            remembered = self._restored_sizes.get(name)
            if remembered is not None and remembered[index] < _SHUT:
                del self._restored_sizes[name]
            return
        sizes = splitter.sizes()
        if sizes[index] >= _SHUT:
            return
        weights = _DEFAULT_WEIGHTS[name]
        opened = sum(sizes) * weights[index] // sum(weights)
        donor = max((i for i in range(len(sizes)) if i != index), key=lambda i: sizes[i])
        sizes[index], sizes[donor] = opened, max(sizes[donor] - opened + sizes[index], 0)
        splitter.setSizes(sizes)

    def save_layout(self, settings: QSettings) -> None:
        """Remember the splitter sizes and which side panels are hidden."""
        for name, splitter in self.splitters.items():
            settings.setValue(f"{_LAYOUT_KEY}/{name}", splitter.sizes())
        hidden = [name for name in PANELS if (panel := self._panel(name)) is not None and panel.isHidden()]
        settings.setValue(f"{_LAYOUT_KEY}/hidden", ",".join(hidden))

    def restore_layout(self, settings: QSettings) -> None:
        """Put back what :meth:`save_layout` remembered (nothing on a first run: the default layout)."""
        for name, splitter in self.splitters.items():
            sizes = settings.value(f"{_LAYOUT_KEY}/{name}")
            if isinstance(sizes, list) and len(sizes) == splitter.count():
                self._restored_sizes[name] = [int(size) for size in sizes]
                splitter.setSizes(self._restored_sizes[name])
        hidden = str(settings.value(f"{_LAYOUT_KEY}/hidden", "") or "").split(",")
        for name in PANELS:
            self.set_shown(name, name not in hidden)

    def size_on_first_show(self) -> None:
        """Size the splitters once they have their real length: as remembered, else by the defaults."""
        if self._sized:
            return
        self._sized = True
        for name, splitter in self.splitters.items():
            sizes = self._restored_sizes.get(name)
            if sizes is None:
                length = splitter.width() if splitter.orientation() == Qt.Orientation.Horizontal \
                    else splitter.height()
                weights = _DEFAULT_WEIGHTS[name]
                sizes = [length * weight // sum(weights) for weight in weights]
            splitter.setSizes(sizes)


def panel_actions(panels: MapperPanels, parent: QObject) -> list[QAction]:
    """Checkable actions that hide and show the mapper's side panels; they follow the splitter too."""
    actions = []
    for name, text, shortcut in _PANEL_TOGGLES:
        action = QAction(text, parent, checkable=True)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setChecked(True)
        action.toggled.connect(lambda shown, n=name: panels.set_shown(n, shown))
        actions.append(action)

    def sync() -> None:
        for action, (name, _text, _shortcut) in zip(actions, _PANEL_TOGGLES, strict=True):
            action.blockSignals(True)
            action.setChecked(panels.shown(name))
            action.blockSignals(False)

    panels.layout_changed.connect(sync)
    for splitter in panels.splitters.values():
        splitter.splitterMoved.connect(lambda _pos, _index: sync())
    sync()
    return actions
