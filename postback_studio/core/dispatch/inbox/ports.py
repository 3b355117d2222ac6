"""Why the local inbox could not listen on a port, said as the user can act on it.

Binding fails with an ``OSError`` whose text ("[Errno 98] Address already in use") names neither
the port nor what to do; the message here says both.
"""

from __future__ import annotations

import errno

#: Where the user changes the inbox's ports.
PORTS_SETTING = "Settings > Local inbox"


def port_problem(exc: BaseException, port: int, protocol: str) -> str:
    """What went wrong binding ``port`` for ``protocol`` ("HTTP", "SMTP") and what to do about it."""
    code = getattr(exc, "errno", None)
    if code == errno.EADDRINUSE:
        return (f"port {port} ({protocol}) is in use by another program; "
                f"choose other ports in {PORTS_SETTING}.")
    if code in (errno.EACCES, errno.EPERM):
        return (f"port {port} ({protocol}) needs permissions this program does not have; "
                f"choose a port above 1024 in {PORTS_SETTING}.")
    if code == errno.EADDRNOTAVAIL:
        return (f"port {port} ({protocol}) cannot be used on this machine; "
                f"choose other ports in {PORTS_SETTING}.")
    detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"port {port} ({protocol}) could not be opened ({detail}); choose other ports in {PORTS_SETTING}."
