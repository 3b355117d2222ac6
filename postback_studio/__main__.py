"""``python -m postback_studio``: the same entry point as the ``postback-studio`` command."""

import sys

from postback_studio.cli import main

sys.exit(main())
